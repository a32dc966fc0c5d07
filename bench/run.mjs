// Runs every bench/*.bench.ts in its own node process (so one benchmark's heap and JIT
// state never colour another's), then assembles BENCHMARKS.md from the sections they
// write to bench/results/<name>.md. `npm run bench -- NAME...` runs only those.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import os from 'node:os';

const here = dirname(fileURLToPath(import.meta.url));
const only = process.argv.slice(2);
const all = readdirSync(here).filter((f) => f.endsWith('.bench.ts')).sort();
const selected = only.length ? all.filter((f) => only.some((o) => f.startsWith(o))) : all;
let failed = 0;
for (const file of selected) {
  console.log(`\n=== ${file}`);
  const r = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', join(here, file)], { stdio: 'inherit' });
  if (r.status !== 0) { failed++; console.error(`${file} failed with exit ${r.status}`); }
}
const sections = all
  .map((f) => join(here, 'results', f.replace(/\.bench\.ts$/, '.md')))
  .filter((p) => existsSync(p))
  .map((p) => readFileSync(p, 'utf8').trim());
const header = `# Benchmarks

Produced by \`npm run bench\` (bench/run.mjs runs each bench/*.bench.ts in its own process).
Every number is compared with a reference measured in the same run on the same machine.
Machine of the last full run: ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'unknown CPU'}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}.
`;
writeFileSync(join(here, '..', 'BENCHMARKS.md'), [header, ...sections].join('\n\n') + '\n');
process.exit(failed ? 1 : 0);
