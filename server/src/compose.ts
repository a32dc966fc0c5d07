/**
 * The composition root shared by the language server, the CLI and the lint workers:
 * the rule registry plus the readers for the file kinds the engine does not parse itself
 * (ONNX models, pickle files).
 */
import type { Finding } from '../../protocol/findings';
import { LINT_RULES } from '../../rules';
import { modelRules } from '../../rules/model';
import { engineFinding, Linter, type LinterOptions } from './engine/lint';
import { decodeModelFile } from './onnx/decode';
import { OnnxDecodeError } from './onnx/errors';
import { lintDecodedModel } from './onnx/lint';
import { lintPickleFile, pickleFileKind } from './pickle/lint';
import type { PickleRule } from './engine/rule';
import { CONFIG_DRIFT_RULE, isExperimentConfigFile, lintExperimentConfig } from './engine/config-files';

const PICKLE_RULES = LINT_RULES.filter((r): r is PickleRule => r.target === 'pickle');

/** Reads a pickle file opcode by opcode (never unpickling it) and runs the pickle rules left on. */
async function lintPickle(file: string, linter: Linter): Promise<Finding[]> {
  const config = linter.configFor(file);
  const rules = PICKLE_RULES.filter((r) => linter.severityFor(r.meta, config) !== 'off');
  return rules.length ? lintPickleFile(file, rules, linter.projectFor(file)) : [];
}

export type LinterSettings = Pick<LinterOptions, 'editorSeverity' | 'workspaceRoot' | 'selection'>;

/** Decodes a model and runs the MODEL rules the file's configuration leaves on. */
async function lintModelFile(file: string, linter: Linter): Promise<Finding[]> {
  const config = linter.configFor(file);
  const rules = modelRules.filter((r) => linter.severityFor(r.meta, config) !== 'off');
  try {
    return await lintDecodedModel(decodeModelFile(file), rules);
  } catch (e) {
    // The finding is on the model itself: say where in it and what, not the file again
    // (a leading absolute path pushed the reason off the Problems panel's line).
    if (e instanceof OnnxDecodeError) return [engineFinding('MLH002', `cannot decode the model: ${e.fieldPath ? `${e.fieldPath}: ` : ''}${e.reason}`)];
    const err = e as NodeJS.ErrnoException;
    if (err.code) return [engineFinding('MLH002', `cannot read the model: ${err.message}`)];
    throw e;
  }
}

/**
 * The config-file side of CFG005 for a YAML/JSON experiment config (`text`: an editor
 * buffer; absent: the disk): its keys no loading Python file reads, and keys read that it lacks.
 */
async function lintExperimentConfigFile(file: string, text: string | undefined, linter: Linter, workspaceRoot: string | undefined): Promise<Finding[]> {
  const meta = linter.ruleMeta(CONFIG_DRIFT_RULE);
  if (!meta || linter.severityFor(meta, linter.configFor(file)) === 'off') return [];
  return lintExperimentConfig(file, text, { projectRoot: linter.projectFor(file).root, workspaceRoot });
}

const experimentConfigKind = (file: string) => (isExperimentConfigFile(file) ? ('experiment-config' as const) : undefined);

export function createLinter(settings: LinterSettings = {}): Linter {
  return new Linter({
    rules: LINT_RULES,
    ...settings,
    fileKinds: [pickleFileKind, experimentConfigKind],
    fileLinters: {
      onnx: lintModelFile,
      pickle: lintPickle,
      'experiment-config': (file, linter) => lintExperimentConfigFile(file, undefined, linter, settings.workspaceRoot),
    },
    textLinters: { 'experiment-config': (file, text, linter) => lintExperimentConfigFile(file, text, linter, settings.workspaceRoot) },
  });
}

/** Whether a file is one the linter reads (by name), for workspace scans. */
export function isLintable(linter: Linter, file: string): boolean {
  return linter.fileKind(file) !== 'other';
}
