/** The machine a benchmark ran on: for the report and the calibration cache's key. */
import * as os from 'node:os';
import type { BenchReport } from '../../../protocol/bench';

export function machineFingerprint(): string {
  const cpus = os.cpus();
  return `${cpus[0]?.model?.replace(/\s+/g, ' ').trim() ?? 'unknown CPU'} x${cpus.length}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, ${os.platform()}/${os.arch()}`;
}

export function describeMachine(): BenchReport['machine'] {
  const cpus = os.cpus();
  const load = os.loadavg();
  return {
    cpuModel: cpus[0]?.model?.replace(/\s+/g, ' ').trim() ?? 'unknown CPU',
    logicalCores: os.availableParallelism(),
    memoryBytes: os.totalmem(),
    platform: `${os.type()} ${os.release()} (${os.platform()}/${os.arch()})`,
    loadAverage: [load[0], load[1], load[2]],
  };
}
