/**
 * LSP edit-to-diagnostics latency on a generated 5,000-line Python ML file, opened in the
 * real bundled server (dist/server.js) over stdio through the tests' LSP client.
 *
 * After a warm-up, each of ~300 incremental edits is sent as one didChange and timed
 * until the publishDiagnostics carrying that version arrives (edits are sequential:
 * the next is sent once the previous one's diagnostics are in). Edit kinds:
 *  - type-char:   one character typed at the end of an identifier inside a function body;
 *  - insert-line: a new line `_bench_blob_N = pickle.load(f)` inserted in a function body;
 *  - delete-line: one of those lines deleted again;
 *  - edit-import: an import at the top changed (`import pickle` <-> `import pickle as pk`,
 *    `import numpy as np` <-> `import numpy as np_`): name resolution changes for the
 *    whole file, the worst case.
 * The same edit sequence is then replayed in-process on the engine alone (the server's
 * OpenDocument + Linter.lintPythonAsync with the edited tree), to split the latency into
 * engine time and everything around it (JSON-RPC, stdio, scheduling, conversion).
 *
 * Environment: MLH_BENCH_LSP_EDITS (default 300), MLH_BENCH_LSP_LINES (default 5000).
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { LspMethods } from '../protocol/settings';
import { LINT_RULES } from '../rules';
import type { PythonRule } from '../server/src/engine/rule';
import { createLinter } from '../server/src/compose';
import { grammarParser } from '../server/src/engine/parser';
import { PythonModule } from '../server/src/engine/python/module';
import { OpenDocument } from '../server/src/lsp/documents';
import { LspTestClient } from '../test/helpers/lsp-client';
import { describeMachine, loadAverage } from './lib/machine';
import { fixed, int, table, writeSection } from './lib/markdown';
import { generateMlModule, generateMlScript } from './lib/ml-source';
import { KINDS, kindSequence, planEdits, type Kind, type PlannedEdit } from './lib/edit-plan';
import { distribution, median, seededRandom, type Distribution } from './lib/stats';

const EDITS = Number(process.env.MLH_BENCH_LSP_EDITS ?? 300);
const WARMUP = 20;
const LINES = Number(process.env.MLH_BENCH_LSP_LINES ?? 5000);
const TARGET_P95_MS = 20;
const REPO = path.join(__dirname, '..');
/** File sizes measured besides LINES, with fewer edits each; and the worst case, a file of LINES lines that is one function. */
const SWEEP_LINES = (process.env.MLH_BENCH_LSP_SWEEP ?? '500,1000,2000').split(',').filter(Boolean).map(Number);
const SWEEP_ONE_FUNCTION = process.env.MLH_BENCH_LSP_SWEEP !== '';
const SWEEP_EDITS = 100;

/** CPU seconds (user + system) a process has used so far, from /proc (clock ticks of 10 ms); undefined where there is no /proc. */
function processCpuSeconds(pid: number | undefined): number | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return undefined;
  }
}

const cpuMs = (mark: NodeJS.CpuUsage) => {
  const u = process.cpuUsage(mark);
  return (u.user + u.system) / 1000;
};

async function waitUntil(test: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!test()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

function log(msg: string): void {
  console.log(`[lsp-latency] ${msg}`);
}

/** A temporary workspace with the generated file of `lines` lines (a module of functions and classes, or one script function). */
function benchWorkspace(lines: number, oneFunction = false): { source: string; dir: string; file: string } {
  const source = oneFunction ? generateMlScript(lines, 7) : generateMlModule(lines, 7);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlh-lsp-bench-'));
  const file = path.join(dir, 'pipeline.py');
  fs.writeFileSync(file, source);
  // A declared torch version that still allows pickles, so torch.load findings appear.
  fs.writeFileSync(path.join(dir, 'requirements.txt'), 'torch==2.1.0\nnumpy==1.26.4\njoblib==1.3.2\n');
  return { source, dir, file };
}

interface LspRun {
  latencies: Record<Kind, number[]>;
  diagnosticCounts: number[];
  mismatches: number;
  openMs: number;
  /** The server process's CPU time over the measured edits, per edit (ms): what the load on the machine does not inflate much. */
  serverCpuPerEdit: number;
  initialFindings: number;
}

/** Opens `file` in the real server over stdio and times each planned edit to its diagnostics. */
async function measureLsp(dir: string, file: string, source: string, warm: PlannedEdit[], measured: PlannedEdit[], lines: number): Promise<LspRun> {
  const { client } = await LspTestClient.start(dir);
  const latencies: Record<Kind, number[]> = { 'type-char': [], 'insert-line': [], 'delete-line': [], 'edit-import': [] };
  const diagnosticCounts: number[] = [];
  let mismatches = 0;
  let openMs = NaN;
  let serverCpuPerEdit = NaN;
  let initialFindings = 0;
  try {
    await waitUntil(() => client.notifications.some((n) => n.method === LspMethods.scanStatus && (n.params as { state: string }).state === 'idle'), 60000, 'the workspace scan');
    const t0 = performance.now();
    const uri = client.open(file, source);
    const opened = await client.waitForDiagnostics(uri, (p) => p.version === 1, 60000);
    openMs = performance.now() - t0;
    initialFindings = opened.diagnostics.length;
    log(`opened ${lines} lines: ${initialFindings} diagnostics in ${fixed(openMs, 1)} ms`);

    const send = async (e: PlannedEdit): Promise<number> => {
      const start = performance.now();
      const version = client.change(uri, [e.change]);
      const p = await client.waitForDiagnostics(uri, (d) => d.version === version, 30000);
      const ms = performance.now() - start;
      diagnosticCounts.push(p.diagnostics.length);
      if (e.insertedLine !== undefined) {
        const found = p.diagnostics.some((d) => d.range.start.line === e.insertedLine && d.code === 'SER001');
        if (found !== e.expectFinding) mismatches++;
      }
      return ms;
    };
    for (const e of warm) await send(e);
    diagnosticCounts.length = 0;
    const cpu0 = processCpuSeconds(client.child.pid);
    for (const e of measured) latencies[e.kind].push(await send(e));
    const cpu1 = processCpuSeconds(client.child.pid);
    if (cpu0 !== undefined && cpu1 !== undefined) serverCpuPerEdit = ((cpu1 - cpu0) * 1000) / measured.length;
  } finally {
    await client.stop();
  }

  return { latencies, diagnosticCounts, mismatches, openMs, serverCpuPerEdit, initialFindings };
}

async function main(): Promise<void> {
  const loadBefore = loadAverage();
  if (!fs.existsSync(path.join(REPO, 'dist', 'server.js')) || process.env.MLH_BENCH_BUILD !== '0') {
    log('building dist/ (node scripts/build.mjs)');
    const build = spawnSync(process.execPath, [path.join(REPO, 'scripts', 'build.mjs')], { cwd: REPO, stdio: 'inherit' });
    if (build.status !== 0) throw new Error('build failed');
  }

  const { source, dir, file } = benchWorkspace(LINES);

  const rand = seededRandom(11);
  const warmKinds = kindSequence(WARMUP, rand);
  const measuredKinds = kindSequence(EDITS, rand);
  const plan = planEdits(source, [...warmKinds, ...measuredKinds], 13);
  const warm = plan.slice(0, WARMUP);
  const measured = plan.slice(WARMUP);

  // ---- the real server over stdio
  const { latencies, diagnosticCounts, mismatches, openMs, serverCpuPerEdit, initialFindings } = await measureLsp(dir, file, source, warm, measured, LINES);

  // ---- smaller files, fewer edits: where the target is met
  const sweep: Array<{ lines: number; oneFunction: boolean; d: Distribution; cpu: number }> = [];
  for (const [lines, oneFunction] of [...SWEEP_LINES.map((n) => [n, false] as const), ...(SWEEP_ONE_FUNCTION ? [[LINES, true] as const] : [])]) {
    const { source: text, dir: sweepDir, file: sweepFile } = benchWorkspace(lines, oneFunction);
    const r = seededRandom(17);
    const p = planEdits(text, [...kindSequence(WARMUP, r), ...kindSequence(SWEEP_EDITS, r)], 19);
    const run = await measureLsp(sweepDir, sweepFile, text, p.slice(0, WARMUP), p.slice(WARMUP), lines);
    sweep.push({ lines, oneFunction, d: distribution(KINDS.flatMap((k) => run.latencies[k])), cpu: run.serverCpuPerEdit });
    fs.rmSync(sweepDir, { recursive: true, force: true });
  }

  // ---- the same edits on the engine alone, in this process
  const grammar = await grammarParser('python');
  const linter = createLinter({ workspaceRoot: dir });
  const engine: Record<Kind, number[]> = { 'type-char': [], 'insert-line': [], 'delete-line': [], 'edit-import': [] };
  const engineCpu: number[] = [];
  let syntaxErrorVersions = 0;
  // Where the engine's time goes: parse + index, and each rule (CPU ms per edit).
  const stageCpu = new Map<string, number[]>();
  const timed = <A extends unknown[], R>(label: string, f: (...a: A) => R) =>
    function (this: unknown, ...a: A): R {
      const mark = process.cpuUsage();
      try {
        return f.apply(this, a);
      } finally {
        const list = stageCpu.get(label) ?? [];
        list.push(cpuMs(mark));
        stageCpu.set(label, list);
      }
    };
  const originalParse = PythonModule.parse;
  PythonModule.parse = timed('parse + index (`PythonModule.parse`, includes the parse below)', originalParse);
  const originalTsParse = grammar.parser.parse;
  grammar.parser.parse = timed('tree-sitter parse of the chunks the edit touched', originalTsParse);
  const originalChecks = new Map<PythonRule, PythonRule['check']>();
  for (const r of LINT_RULES) if (r.target === 'python') originalChecks.set(r as PythonRule, (r as PythonRule).check);
  for (const [r, check] of originalChecks) r.check = timed(r.meta.id, check);
  const doc = new OpenDocument(TextDocument.create(`file://${file}`, 'python', 1, source), file);
  const opened = await linter.lintPythonAsync(file, source);
  doc.module = opened.module;
  let version = 1;
  let parsedChunks = 0;
  let chunks = 0;
  for (const [i, e] of plan.entries()) {
    doc.applyChanges([e.change], ++version);
    if (i === WARMUP) stageCpu.clear();
    const start = performance.now();
    const mark = process.cpuUsage();
    // As the server does: the previous module hands over the chunks the edit did not touch.
    const previous = doc.module;
    const result = await linter.lintPythonAsync(doc.path, doc.text, previous);
    previous?.dispose();
    const cpu = cpuMs(mark);
    const ms = performance.now() - start;
    doc.module = result.module;
    if (i >= WARMUP && result.module) {
      parsedChunks += result.module.indexStats.parsed;
      chunks += result.module.indexStats.chunks;
    }
    if (i >= WARMUP) {
      engine[e.kind].push(ms);
      engineCpu.push(cpu);
      if (result.findings.some((f) => f.rule === 'MLH003')) syntaxErrorVersions++;
    }
  }
  doc.dispose();
  PythonModule.parse = originalParse;
  grammar.parser.parse = originalTsParse;
  for (const [r, check] of originalChecks) r.check = check;

  // ---- full (non-incremental) work on the same file, for context
  const reps = 20;
  const parseOnly: number[] = [];
  const parseIndex: number[] = [];
  const fullLint: number[] = [];
  for (let i = 0; i < reps + 3; i++) {
    let t = performance.now();
    grammar.parser.parse(source)!.delete();
    const a = performance.now() - t;
    t = performance.now();
    PythonModule.parse(grammar, source).dispose();
    const b = performance.now() - t;
    t = performance.now();
    linter.lintPython(file, source, grammar).module?.dispose();
    const c = performance.now() - t;
    if (i >= 3) {
      parseOnly.push(a);
      parseIndex.push(b);
      fullLint.push(c);
    }
  }
  fs.rmSync(dir, { recursive: true, force: true });
  const loadAfter = loadAverage();

  // ---- markdown
  const all = KINDS.flatMap((k) => latencies[k]);
  const allEngine = KINDS.flatMap((k) => engine[k]);
  const overall = distribution(all);
  const verdict = overall.p95 < TARGET_P95_MS ? 'met' : 'missed';
  const row = (label: string, d: Distribution, e: Distribution) => [label, int(d.n), fixed(d.p50, 1), fixed(d.p95, 1), fixed(d.p99, 1), fixed(d.max, 1), fixed(d.mean, 1), fixed(e.p50, 1), fixed(e.p95, 1), d.p95 < TARGET_P95_MS ? 'yes' : '**no**'];
  const rows = [
    ...KINDS.map((k) => row(k, distribution(latencies[k]), distribution(engine[k]))),
    row('**all edits**', overall, distribution(allEngine)),
  ];
  const cpuDist = distribution(engineCpu);
  const sweepRow = (label: string, d: Distribution, cpu: number) => [label, int(d.n), fixed(d.p50, 1), fixed(d.p95, 1), fixed(d.max, 1), fixed(cpu, 1), d.p95 < TARGET_P95_MS ? 'yes' : '**no**'];
  const stages = [...stageCpu].map(([label, xs]) => ({ label, d: distribution(xs) })).sort((a, b) => b.d.p50 - a.d.p50);
  const shown = stages.filter((st) => st.d.p50 >= 0.5 || st.label.startsWith('parse'));
  const rest = stages.filter((st) => !shown.includes(st));
  const stageRows = [
    ...shown.map((st) => [st.label, fixed(st.d.p50, 1), fixed(st.d.p95, 1), fixed(st.d.mean, 1)]),
    [`the other ${rest.length} rules that ran, together (each under 0.5 ms at p50; rules whose \`requires\` names no module in the file do not run)`, fixed(rest.reduce((a, st) => a + st.d.p50, 0), 1), '–', fixed(rest.reduce((a, st) => a + st.d.mean, 0), 1)],
    ['**whole lint of one edit** (incl. config, suppressions, syntax-error scan)', `**${fixed(cpuDist.p50, 1)}**`, `**${fixed(cpuDist.p95, 1)}**`, `**${fixed(cpuDist.mean, 1)}**`],
  ];
  const md = `## LSP edit-to-diagnostics latency

Target (DESIGN.md): \`didChange\` to \`publishDiagnostics\` p95 under ${TARGET_P95_MS} ms for a 5,000-line Python file. **Result: ${verdict}** (p95 ${fixed(overall.p95, 1)} ms over ${overall.n} edits).

- File: a generated ${int(LINES)}-line Python ML module (bench/lib/ml-source.ts: imports of torch, numpy, pickle and joblib, ${int(source.split('\n').filter((l) => l.startsWith('def ')).length)} functions, ${int(source.split('\n').filter((l) => l.startsWith('class ')).length)} nn.Module classes), ${(source.length / 1024).toFixed(0)} KiB, with a \`requirements.txt\` pinning torch 2.1.0; ${initialFindings} diagnostics when opened (first diagnostics ${fixed(openMs, 0)} ms after didOpen, cold server).
- Server: the bundled \`dist/server.js\` spawned over stdio by test/helpers/lsp-client.ts, a real JSON-RPC client; the workspace scan finished before the edits.
- ${WARMUP} warm-up edits, then ${overall.n} measured edits (${KINDS.map((k) => `${latencies[k].length} ${k}`).join(', ')}), shuffled, one didChange each, each timed from sending it until the publishDiagnostics with its version arrived; the next edit is sent after that. Diagnostics per edit: ${int(Math.min(...diagnosticCounts))}–${int(Math.max(...diagnosticCounts))}. Expected finding on an inserted \`pickle.load\` line missing or unexpected: ${mismatches} time(s). A typed letter never forms a keyword or touches a string prefix, so the file stays valid Python (versions with a syntax error: ${syntaxErrorVersions}).
- "Engine" columns: the same edit sequence replayed in-process on \`OpenDocument\` + \`Linter.lintPythonAsync\` with the previous module (what the server does per edit); the rest of the LSP time is JSON-RPC over stdio, scheduling and conversion.
- Machine: ${describeMachine()}. Load average (1/5/15 min) before: ${loadBefore}, after: ${loadAfter}.
- Produced by \`node bench/run.mjs lsp-latency\` (or \`npm run bench -- lsp-latency\`), bench/lsp-latency.bench.ts.

${table(['Edit kind', 'Edits', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms', 'mean ms', 'engine p50 ms', 'engine p95 ms', `p95 < ${TARGET_P95_MS} ms`], rows)}

By file size: the same kinds of edits on generated files of other sizes, ${SWEEP_EDITS} measured edits each, in a fresh server each (same client, same machine, this run).${SWEEP_ONE_FUNCTION ? ` The last row is the worst case for parsing by top-level statement: the ${int(LINES)}-line file written as one script, everything nested in \`def main():\` (bench/lib/ml-source.ts \`generateMlScript\`), so the chunk an edit touches is nearly the whole file.` : ''}

${table(['File', 'Edits', 'p50 ms', 'p95 ms', 'max ms', 'server CPU per edit (ms)', `p95 < ${TARGET_P95_MS} ms`], [
  ...sweep.filter((w) => !w.oneFunction).map((w) => sweepRow(`${int(w.lines)} lines`, w.d, w.cpu)),
  sweepRow(`${int(LINES)} lines (above)`, overall, serverCpuPerEdit),
  ...sweep.filter((w) => w.oneFunction).map((w) => sweepRow(`${int(w.lines)} lines, one function`, w.d, w.cpu)),
])}

CPU time, which the load on a shared machine inflates much less than wall time: the server process used **${fixed(serverCpuPerEdit, 1)} ms of CPU per measured edit** (mean over the ${overall.n} edits, every thread of the process, from /proc); the in-process engine replay used p50 ${fixed(cpuDist.p50, 1)} ms / p95 ${fixed(cpuDist.p95, 1)} ms of CPU per edit. ${overall.p95 < TARGET_P95_MS ? '' : serverCpuPerEdit < TARGET_P95_MS ? 'The CPU work per edit fits the target; the wall-time miss is waiting for a core. ' : `Even as CPU time the work per edit is over the ${TARGET_P95_MS} ms target, so it is not only the load: see where it goes below. `}The replay runs in the benchmark process: its garbage collection (of the edit plans and the LSP run's data too) is counted in these CPU times.

### Where the engine's time goes per edit (CPU ms, in-process replay of the measured edits)

The module is parsed as chunks of whole top-level statements (server/src/engine/python/chunks.ts), one tree each. An edit parses and indexes again only the chunks whose text it touched; the others (their trees and what the index holds of them: scopes, bindings, call sites) move to the new version, shifted by the edit's length when they follow it. In these edits ${fixed(chunks ? (100 * parsedChunks) / chunks : 0, 1)}% of the chunks were parsed again (${fixed(parsedChunks / (plan.length - WARMUP), 2)} per edit, of ${fixed(chunks / (plan.length - WARMUP), 0)}). Then every rule runs over the whole module.

${table(['Stage', 'p50', 'p95', 'mean'], stageRows)}

Full (non-incremental) work on the same ${int(LINES)}-line file, in-process, median of ${reps}: one tree-sitter parse of the whole file ${fixed(median(parseOnly), 1)} ms; parse (in chunks) + index (\`PythonModule.parse\`) ${fixed(median(parseIndex), 1)} ms; whole lint without an old tree (\`Linter.lintPython\`, all rules) ${fixed(median(fullLint), 1)} ms.
`;
  log(`wrote ${writeSection('lsp-latency', md)}`);
  console.log(md);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
