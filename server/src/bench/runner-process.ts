/**
 * Entry point of dist/bench-runner.js: the process that runs onnxruntime, forked by the
 * language server and by the CLI (server/src/bench/runner-client.ts). It takes one job
 * (`RunnerRequest`) over IPC, reports progress, sends one `result`, `calibration` or
 * `error` message and exits. A crash, an out-of-memory or a hang ends only this process.
 */
import type { RunnerMessage, RunnerRequest } from '../../../protocol/bench';
import { BenchError } from './errors';
import { calibrate, runBenchmark } from './runner-core';

function send(message: RunnerMessage): Promise<void> {
  return new Promise((resolve) => {
    if (!process.send) return resolve();
    process.send(message, undefined, undefined, () => resolve());
  });
}

async function handle(request: RunnerRequest): Promise<void> {
  const progress = (p: Parameters<Parameters<typeof runBenchmark>[3]>[0]) => void send({ type: 'progress', progress: p });
  try {
    if (request.type === 'benchmark') await send({ type: 'result', result: await runBenchmark(request.modelPath, request.options, request.workDir, progress) });
    else await send({ type: 'calibration', calibration: await calibrate(request.threads, progress) });
  } catch (e) {
    const error = e instanceof BenchError ? e.toInfo() : { kind: 'runFailed' as const, message: `the benchmark failed: ${(e as Error).message}`, detail: (e as Error).stack };
    await send({ type: 'error', error });
  }
  process.exit(0);
}

if (!process.send) {
  process.stderr.write('bench-runner: this process is started by ML Hygiene (child_process.fork) and takes its job over IPC\n');
  process.exit(2);
}
process.once('message', (request: RunnerRequest) => void handle(request));
// The parent going away ends the job.
process.on('disconnect', () => process.exit(0));
