// Runs every bench/*.bench.ts in its own node process (so one benchmark's heap and JIT
// state never colour another's), then assembles BENCHMARKS.md from every section in
// bench/results/*.md: the ones the benchmarks write (bench/results/<name>.md) and the
// ones written by hand (precision studies and the like).
//   node bench/run.mjs               run every benchmark, then assemble
//   node bench/run.mjs NAME...       run only the benchmarks whose file name starts with NAME
//   node bench/run.mjs --assemble    only rebuild BENCHMARKS.md from bench/results/*.md
// (`npm run bench -- NAME...` builds first, then runs this.)
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import os from 'node:os';

const here = dirname(fileURLToPath(import.meta.url));
const resultsDir = join(here, 'results');
const args = process.argv.slice(2);
const assembleOnly = args.includes('--assemble');
const only = args.filter((a) => !a.startsWith('--'));
const all = readdirSync(here).filter((f) => f.endsWith('.bench.ts')).sort();
const selected = assembleOnly ? [] : only.length ? all.filter((f) => only.some((o) => f.startsWith(o))) : all;
if (!assembleOnly && only.length && !selected.length) {
  console.error(`no benchmark matches ${only.join(', ')}; there are: ${all.map((f) => f.replace(/\.bench\.ts$/, '')).join(', ')}`);
  process.exit(2);
}
let failed = 0;
for (const file of selected) {
  console.log(`\n=== ${file} (load average ${os.loadavg().map((l) => l.toFixed(2)).join(' / ')})`);
  const r = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', join(here, file)], { stdio: 'inherit' });
  if (r.status !== 0) {
    failed++;
    console.error(`${file} failed with exit ${r.status}`);
  }
}

/** The targets of DESIGN.md's "Performance targets", by result file name (prefix). */
const TARGETS = [
  ['lint-throughput', 'Workspace lint throughput (lines/s, all rules on, cold) at least Ruff\'s WebAssembly build on the same files'],
  ['lsp-latency', 'Edit to diagnostics (`didChange` to `publishDiagnostics`) p95 under 20 ms on a 5,000-line Python file'],
  ['onnx-decode', 'Model structure decode: 1 GB of weights under 2x the same graph with tiny weights, and faster than `onnx.load`'],
  ['graph', 'Graph view: 10,000 nodes paint within 1.5 s in headless Chromium; 100,000 nodes open collapsed and stay interactive'],
  ['harness-overhead', 'Benchmark harness overhead within 3% of a bare `session.run` loop'],
];
const ORDER = TARGETS.map(([name]) => name);
const rank = (name) => {
  const i = ORDER.findIndex((p) => name.startsWith(p));
  return i < 0 ? ORDER.length : i;
};

/** The sentence of a section that states its outcome, for the summary table. */
function outcome(md) {
  const paragraphs = md.split(/\n\s*\n/).map((p) => p.replace(/\s*\n\s*/g, ' ').trim());
  const shorten = (s) => (s.length > 320 ? s.slice(0, 320).replace(/\s+\S*$/, '') + ' …' : s);
  const result = paragraphs.find((p) => p.includes('**Result'));
  if (result) return shorten(result.slice(result.indexOf('**Result')));
  const stated = md.split('\n').find((l) => /target/i.test(l) && /\b(NOT met|met|missed)\b/i.test(l));
  if (stated) return shorten(stated.trim());
  const rows = md.split('\n').filter((l) => l.startsWith('|'));
  const met = rows.filter((l) => /\|\s*met\s*\|\s*$/i.test(l)).length;
  const notMet = rows.filter((l) => /\|\s*(NOT met|missed)\s*\|\s*$/i.test(l)).length;
  if (met + notMet) return `${met} of ${met + notMet} rows met${notMet ? `, ${notMet} not met` : ''} (see the section)`;
  return 'see the section';
}

const files = readdirSync(resultsDir)
  .filter((f) => f.endsWith('.md'))
  .sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
const sections = files.map((f) => ({ file: f, md: readFileSync(join(resultsDir, f), 'utf8').trim() }));
const cell = (s) => s.replace(/\|/g, '\\|');
const summary = sections.map(({ file, md }) => {
  const name = file.replace(/\.md$/, '');
  const title = (md.match(/^#+\s*(.+)$/m)?.[1] ?? name).trim();
  const target = TARGETS.find(([p]) => name.startsWith(p))?.[1] ?? '(no DESIGN.md performance target: a study)';
  return `| [${cell(title)}](#${anchor(title)}) | ${cell(target)} | ${cell(outcome(md))} | [bench/results/${file}](bench/results/${file}) |`;
});

/** GitHub's heading anchor. */
function anchor(title) {
  return title
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .trim()
    .replace(/\s/g, '-');
}

const cpus = os.cpus();
const header = `# Benchmarks

Assembled by \`node bench/run.mjs\` (\`npm run bench\` builds, runs every bench/*.bench.ts in
its own process, then assembles) from every section in bench/results/*.md; the sections
written by hand (precision studies) are included as they are. Each number is compared with
a reference measured in the same run on the same machine, and each section states the
command that produced it and the machine's load average during its run.

Machine of the last assembly: ${os.availableParallelism()} × ${cpus[0]?.model?.replace(/\s+/g, ' ').trim() ?? 'unknown CPU'}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB RAM, ${os.type()} ${os.release()}, node ${process.version}. The machine is shared: read each section's load average before comparing runs.

| Section | Target (DESIGN.md) | Result | File |
| :--- | :--- | :--- | :--- |
${summary.join('\n')}
`;
writeFileSync(join(here, '..', 'BENCHMARKS.md'), [header, ...sections.map((s) => s.md)].join('\n\n') + '\n');
console.log(`\nwrote BENCHMARKS.md (${sections.length} sections: ${files.join(', ')})`);
process.exit(failed ? 1 : 0);
