/** A one-line description of the machine a benchmark ran on, for the results' markdown. */
import * as os from 'node:os';

export function describeMachine(): string {
  const cpus = os.cpus();
  const model = cpus[0]?.model?.replace(/\s+/g, ' ').trim() ?? 'unknown CPU';
  return [
    `${os.availableParallelism()} × ${model}`,
    `${(os.totalmem() / 2 ** 30).toFixed(0)} GiB RAM`,
    `${os.type()} ${os.release()} (${os.arch()})`,
    `node ${process.version} (V8 ${process.versions.v8})`,
  ].join(', ');
}

/** The 1-minute load average: other work on the machine colours every timing. */
export function loadAverage(): string {
  return os.loadavg().map((l) => l.toFixed(2)).join(' / ');
}
