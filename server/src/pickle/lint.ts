/**
 * Runs the pickle rules over one file: what the engine's `fileKinds` / `fileLinters`
 * hooks (LinterOptions) need for pickle files. The scan is spread into each rule's
 * context, so the reader's errors, compression and archive members reach the rules
 * (see PickleScanContext) beyond what `PickleContext` declares.
 */
import * as path from 'node:path';
import type { Finding } from '../../../protocol/findings';
import type { ProjectFacts } from '../engine/project';
import { FindingSink, type PickleRule } from '../engine/rule';
import { PICKLE_FILE_EXTENSIONS, scanPickleFile, type PickleScan } from './index';
import type { PickleScanContext } from './policy';

/** `'pickle'` for the extensions the pickle reader handles; for `LinterOptions.fileKinds`. */
export function pickleFileKind(file: string): 'pickle' | undefined {
  return PICKLE_FILE_EXTENSIONS.includes(path.extname(file).toLowerCase()) ? 'pickle' : undefined;
}

/** Runs `rules` over a scan of `file` (done here when not given); findings at the rules' default severities. */
export async function lintPickleFile(file: string, rules: readonly PickleRule[], project: ProjectFacts, scan?: PickleScan): Promise<Finding[]> {
  const result = scan ?? (await scanPickleFile(file));
  const sink = new FindingSink();
  for (const rule of rules) {
    const ctx: PickleScanContext = {
      ...result,
      path: file,
      project,
      report: (range, message, options) => sink.add(rule.meta, range, message, options, rule.meta.severity),
    };
    rule.check(ctx);
  }
  return sink.findings;
}
