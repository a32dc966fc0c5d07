/**
 * The language server's benchmark requests (`BenchMethods` in protocol/bench.ts): LSP
 * wiring only. The work runs in a runner process (server/src/bench/service.ts); here
 * requests become jobs, cancellation becomes an abort, progress becomes `$/progress`, and
 * `BenchError`s become `ResponseError`s carrying their `BenchErrorInfo`. Jobs run one at a
 * time: two benchmarks on the same CPU would measure each other.
 */
import * as path from 'node:path';
import { ErrorCodes, LSPErrorCodes, ResponseError, type CancellationToken, type Connection, type WorkDoneProgressReporter, type WorkDoneProgressServerReporter } from 'vscode-languageserver/node';
import {
  BenchMethods,
  type BenchComparison,
  type BenchErrorInfo,
  type BenchInputsParams,
  type BenchInputsResult,
  type BenchmarkParams,
  type BenchmarkResult,
  type CompareRunsParams,
  type ListRunsParams,
  type SavedRunEntry,
} from '../../../protocol/bench';
import { BenchError } from '../bench/errors';
import { describeInputs } from '../bench/inputs-info';
import { compareReports, listRuns, readRun, saveRun } from '../bench/report';
import { benchmarkModel } from '../bench/service';

function toResponseError(e: unknown): ResponseError<BenchErrorInfo | undefined> {
  if (e instanceof BenchError) {
    const code = e.kind === 'cancelled' ? LSPErrorCodes.RequestCancelled : e.kind === 'usage' ? ErrorCodes.InvalidParams : LSPErrorCodes.RequestFailed;
    return new ResponseError(code, e.message, e.toInfo());
  }
  return new ResponseError(ErrorCodes.InternalError, `the benchmark failed: ${(e as Error).message}`, undefined);
}

export function registerBenchHandlers(connection: Connection): void {
  let queue: Promise<unknown> = Promise.resolve();
  /** Benchmarks started and not finished, the one running included. */
  let running = 0;

  const run = async (params: BenchmarkParams, profile: boolean, token: CancellationToken): Promise<BenchmarkResult> => {
    if (!params || typeof params.path !== 'string' || !path.isAbsolute(params.path)) throw new ResponseError(ErrorCodes.InvalidParams, 'benchmark: `path` must be the absolute path of an .onnx file');
    const abort = new AbortController();
    const cancel = token.onCancellationRequested(() => abort.abort());
    const title = `${profile ? 'Profiling' : 'Benchmarking'} ${path.basename(params.path)}`;
    // The client's `workDoneToken` when it sent one, else one we create (a null reporter when the client cannot show progress).
    const token0 = params.workDoneToken;
    const progress: WorkDoneProgressReporter | WorkDoneProgressServerReporter =
      token0 !== undefined ? connection.window.attachWorkDoneProgress(token0) : await connection.window.createWorkDoneProgress();
    const progressCancel = 'token' in progress ? (progress as WorkDoneProgressServerReporter).token.onCancellationRequested(() => abort.abort()) : undefined;
    const previous = queue;
    let release!: () => void;
    queue = new Promise<void>((r) => (release = r));
    // Benchmarks run one at a time (two would measure each other); say so only when one is running.
    const waiting = running > 0;
    running++;
    try {
      progress.begin(title, 0, waiting ? 'waiting for the previous benchmark' : 'starting the runner', true);
      await previous.catch(() => undefined);
      if (abort.signal.aborted) throw new BenchError('cancelled', 'the benchmark was cancelled');
      let lastPct = -1;
      let lastMessage = '';
      const report = await benchmarkModel(params.path, { ...params.options, ...(profile ? { profile: true } : {}) }, {
        signal: abort.signal,
        onProgress: (p) => {
          const pct = p.percentage === undefined ? undefined : Math.round(p.percentage);
          if (pct === lastPct && p.message === lastMessage) return;
          lastPct = pct ?? lastPct;
          lastMessage = p.message;
          progress.report(pct ?? lastPct, p.message);
        },
      });
      const savedPath = params.runsDir ? saveRun(params.runsDir, report) : undefined;
      return { report, savedPath };
    } catch (e) {
      throw toResponseError(e);
    } finally {
      progress.done();
      cancel.dispose();
      progressCancel?.dispose();
      running--;
      release();
    }
  };

  connection.onRequest(BenchMethods.benchmarkModel, (p: BenchmarkParams, token) => run(p, false, token));
  connection.onRequest(BenchMethods.profileModel, (p: BenchmarkParams, token) => run(p, true, token));
  connection.onRequest(BenchMethods.benchmarkInputs, (p: BenchInputsParams): BenchInputsResult => {
    try {
      return describeInputs(p.path);
    } catch (e) {
      throw toResponseError(e);
    }
  });
  connection.onRequest(BenchMethods.listRuns, (p: ListRunsParams): SavedRunEntry[] => listRuns(p.runsDir, p.modelPath));
  connection.onRequest(BenchMethods.compareRuns, (p: CompareRunsParams): BenchComparison => {
    try {
      return compareReports(readRun(p.before), readRun(p.after), p);
    } catch (e) {
      throw toResponseError(e);
    }
  });
}
