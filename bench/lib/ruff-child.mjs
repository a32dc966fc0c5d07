// Ruff's WebAssembly build over a list of files, in a fresh process: single-threaded or
// in worker threads (one wasm instance each, fed from a shared queue like our CLI's).
// Usage: node ruff-child.mjs LIST_JSON SETTING single|workers PASSES [WORKERS]
// Prints one JSON line: { setup, passes: [wall seconds...], cpu: [cpu seconds...], findings, codes }.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(join(here, '..', '..', 'package.json'));

/** The rule selections compared (Ruff's settings as the wasm Workspace takes them). */
export const RUFF_SETTINGS = {
  pickle: { lint: { select: ['S301', 'S403'] } },
  'cli-default': { lint: { select: ['E4', 'E7', 'E9', 'F'] } },
  'wasm-default': {},
  all: { lint: { select: ['ALL'] } },
};

function workspace(setting) {
  const ruff = require('@astral-sh/ruff-wasm-nodejs');
  const options = RUFF_SETTINGS[setting];
  if (!options) throw new Error(`unknown Ruff setting ${setting}`);
  return new ruff.Workspace(options, ruff.PositionEncoding.Utf16);
}

/** Reads and checks files; returns the findings count and per-code counts. */
function checkFiles(ws, files, codes) {
  let findings = 0;
  for (const f of files) {
    const diagnostics = ws.check(readFileSync(f, 'utf8'));
    findings += diagnostics.length;
    if (codes) for (const d of diagnostics) codes[d.code ?? '?'] = (codes[d.code ?? '?'] ?? 0) + 1;
  }
  return findings;
}

const seconds = (t0) => (performance.now() - t0) / 1000;
/** CPU seconds (user + system, every thread of the process) since a process.cpuUsage() mark. */
const cpuSeconds = (mark) => {
  const u = process.cpuUsage(mark);
  return (u.user + u.system) / 1e6;
};

if (!isMainThread) {
  const ws = workspace(workerData.setting);
  parentPort.on('message', (msg) => {
    if (msg.type === 'stop') return parentPort.close();
    const codes = {};
    const findings = checkFiles(ws, msg.files, codes);
    parentPort.postMessage({ type: 'done', findings, codes });
  });
  parentPort.postMessage({ type: 'ready' });
} else {
  const [listFile, setting, mode, passesArg, workersArg] = process.argv.slice(2);
  const files = JSON.parse(readFileSync(listFile, 'utf8'));
  const passes = Number(passesArg ?? 1);
  const out = { setting, mode, setup: 0, passes: [], cpu: [], findings: 0, codes: {} };
  if (mode === 'single') {
    let t0 = performance.now();
    const ws = workspace(setting);
    out.setup = seconds(t0);
    for (let p = 0; p < passes; p++) {
      globalThis.gc?.();
      const cpu0 = process.cpuUsage();
      t0 = performance.now();
      const codes = p === 0 ? out.codes : undefined;
      const findings = checkFiles(ws, files, codes);
      out.passes.push(seconds(t0));
      out.cpu.push(cpuSeconds(cpu0));
      if (p === 0) out.findings = findings;
    }
  } else {
    const count = Number(workersArg);
    out.workers = count;
    const BATCH = 8;
    const cpuStart = process.cpuUsage();
    const t0 = performance.now();
    const workers = Array.from({ length: count }, () => new Worker(fileURLToPath(import.meta.url), { workerData: { setting } }));
    const ready = workers.map((w) => new Promise((resolve) => w.once('message', resolve)));
    await Promise.all(ready);
    out.setup = seconds(t0);
    for (let p = 0; p < passes; p++) {
      // Pass 0 is timed from before the workers start, as our CLI's run is.
      const start = p === 0 ? t0 : performance.now();
      const cpu0 = p === 0 ? cpuStart : process.cpuUsage();
      let next = 0;
      let findings = 0;
      await Promise.all(
        workers.map(
          (w) =>
            new Promise((resolve) => {
              const give = () => {
                if (next >= files.length) return resolve();
                const batch = files.slice(next, next + BATCH);
                next += batch.length;
                w.postMessage({ type: 'check', files: batch });
              };
              const onMessage = (m) => {
                findings += m.findings;
                if (p === 0) for (const [k, v] of Object.entries(m.codes)) out.codes[k] = (out.codes[k] ?? 0) + v;
                if (next >= files.length) {
                  w.off('message', onMessage);
                  return resolve();
                }
                give();
              };
              w.on('message', onMessage);
              give();
            }),
        ),
      );
      out.passes.push(seconds(start));
      out.cpu.push(cpuSeconds(cpu0));
      if (p === 0) out.findings = findings;
    }
    for (const w of workers) w.postMessage({ type: 'stop' });
  }
  console.log(JSON.stringify(out));
}
