/** Messages between `ml-hygiene lint` and its worker threads (same process, typed once). */
import type { FileFindings } from '../../../protocol/findings';
import type { LinterSettings } from '../compose';

/** Passed as `workerData`. */
export interface WorkerInit {
  settings: LinterSettings;
}

/** Main thread -> worker: lint these files. */
export interface LintBatch {
  type: 'lint';
  files: string[];
}

/** Main thread -> worker: no more work. */
export interface Stop {
  type: 'stop';
}

export type ToWorker = LintBatch | Stop;

/** Worker -> main thread: results of one batch (or the worker is ready for its first). */
export type FromWorker = { type: 'ready' } | { type: 'linted'; results: FileFindings[] } | { type: 'failed'; error: string };
