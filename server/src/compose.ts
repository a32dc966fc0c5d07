/**
 * The composition root shared by the language server, the CLI and the lint workers:
 * the rule registry plus the readers for the file kinds the engine does not parse itself.
 */
import { LINT_RULES } from '../../rules';
import { Linter, type LinterOptions } from './engine/lint';

export type LinterSettings = Pick<LinterOptions, 'editorSeverity' | 'workspaceRoot' | 'selection'>;

export function createLinter(settings: LinterSettings = {}): Linter {
  return new Linter({ rules: LINT_RULES, ...settings });
}

/** Whether a file is one the linter reads (by name), for workspace scans. */
export function isLintable(linter: Linter, file: string): boolean {
  return linter.fileKind(file) !== 'other';
}
