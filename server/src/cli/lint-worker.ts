/** A worker thread of `ml-hygiene lint`: lints the batches of files it is sent. */
import { parentPort, workerData } from 'node:worker_threads';
import { createLinter } from '../compose';
import type { FileFindings } from '../../../protocol/findings';
import type { FromWorker, ToWorker, WorkerInit } from './worker-protocol';

const port = parentPort;
if (!port) throw new Error('lint-worker.js runs as a worker thread of the ml-hygiene CLI');
const linter = createLinter((workerData as WorkerInit | undefined)?.settings);
const send = (m: FromWorker) => port.postMessage(m);

port.on('message', async (msg: ToWorker) => {
  if (msg.type === 'stop') {
    port.close();
    return;
  }
  try {
    const results: FileFindings[] = [];
    for (const file of msg.files) results.push({ path: file, findings: await linter.lintFile(file) });
    send({ type: 'linted', results });
  } catch (e) {
    send({ type: 'failed', error: (e as Error).stack ?? String(e) });
  }
});
send({ type: 'ready' });
