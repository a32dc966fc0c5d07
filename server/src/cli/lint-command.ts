/**
 * `ml-hygiene lint PATH... [--format text|json|sarif] [--select IDS] [--ignore IDS]`.
 * Exit 0 without findings, 1 with findings, 2 on a usage or internal error.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';
import type { FileFindings } from '../../../protocol/findings';
import { ALL_RULES } from '../../../rules';
import { createLinter, isLintable, type LinterSettings } from '../compose';
import { discoverFiles } from '../engine/files';
import { formatJson, formatSarif, formatText, type OutputFormat } from './formats';
import { ProgressBar } from './progress';
import type { FromWorker, ToWorker, WorkerInit } from './worker-protocol';
import { UsageError, type CliIo } from './io';

/** Below this many files, starting workers (each loads the parsers) costs more than it saves. */
const FILES_PER_WORKER = 48;
const BATCH = 8;

export const LINT_HELP = `Usage: ml-hygiene lint [PATH...] [options]

Lints Python files, notebooks, pickle files and ONNX models under PATH (default: .).

Options:
  --format text|json|sarif   output format (default: text)
  --select IDS               only these rules or families, comma-separated (e.g. SER,RNG001)
  --ignore IDS               skip these rules or families
  --jobs N                   worker threads (default: one per core)
  --no-progress              no progress bar on the terminal
  -h, --help                 this help

Exit status: 0 no findings, 1 findings, 2 usage or internal error.
`;

function splitCodes(v: string | undefined): string[] | undefined {
  return v === undefined ? undefined : v.split(',').map((s) => s.trim()).filter(Boolean);
}

export async function runLint(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      format: { type: 'string', default: 'text' },
      select: { type: 'string' },
      ignore: { type: 'string' },
      jobs: { type: 'string' },
      'no-progress': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    io.out.write(LINT_HELP);
    return 0;
  }
  const format = values.format as OutputFormat;
  if (!['text', 'json', 'sarif'].includes(format)) throw new UsageError(`unknown format '${format}'; use text, json or sarif`);
  const select = splitCodes(values.select);
  const ignored = splitCodes(values.ignore);
  const known = new Set<string>(['ALL', ...ALL_RULES.flatMap((r) => [r.meta.id, r.meta.family])]);
  for (const code of [...(select ?? []), ...(ignored ?? [])])
    if (!known.has(code)) throw new UsageError(`unknown rule or family '${code}' (see \`ml-hygiene rules\`)`);
  const jobs = values.jobs === undefined ? os.availableParallelism() : Number(values.jobs);
  if (!Number.isInteger(jobs) || jobs < 1) throw new UsageError(`--jobs takes a positive whole number, not '${values.jobs}'`);

  const settings: LinterSettings = { selection: select || ignored ? { select, ignore: ignored } : undefined };
  const linter = createLinter(settings);
  const roots = positionals.length ? positionals : ['.'];
  const walkErrors: FileFindings[] = [];
  const files = discoverFiles(
    roots.map((r) => path.resolve(io.cwd, r)),
    {
      accept: (f) => isLintable(linter, f),
      onError: (f, e) =>
        walkErrors.push({
          path: f,
          findings: [
            {
              rule: 'MLH002',
              severity: 'error',
              message: `cannot read: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or folder' : e.message}`,
              range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } },
            },
          ],
        }),
    },
  );
  // Explicitly named files are linted even when excluded; discovered ones honour `exclude`.
  const named = new Set(roots.map((r) => path.resolve(io.cwd, r)));
  const selected = files.filter((f) => named.has(f) || !linter.configFor(f).isExcluded(f));

  const progress = new ProgressBar(io.err, format === 'text' && !values['no-progress'] && io.errIsTty, selected.length);
  const workerCount = workerScript() ? Math.min(jobs, Math.ceil(selected.length / FILES_PER_WORKER), 16) : 1;
  const results = workerCount > 1 ? await lintInWorkers(selected, workerCount, settings, progress) : await lintHere(selected, linter, progress);
  progress.done();
  results.push(...walkErrors);
  results.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));

  const withFindings = results.filter((r) => r.findings.length);
  const metas = linter.rules.map((r) => r.meta);
  if (format === 'json') io.out.write(formatJson(withFindings, io.cwd));
  else if (format === 'sarif') io.out.write(formatSarif(withFindings, metas, io.cwd, io.version, io.docsBase));
  else io.out.write(formatText(results, io.cwd, io.outIsTty && !process.env.NO_COLOR));
  return withFindings.length ? 1 : 0;
}

async function lintHere(files: string[], linter: ReturnType<typeof createLinter>, progress: ProgressBar): Promise<FileFindings[]> {
  const out: FileFindings[] = [];
  for (const file of files) {
    out.push({ path: file, findings: await linter.lintFile(file) });
    progress.tick(1);
  }
  return out;
}

/**
 * The worker's entry: the bundle beside the built CLI, or the TypeScript source when the CLI
 * runs from source under tsx (workers inherit its loader). Without either, lint in this thread.
 */
function workerScript(): string | undefined {
  for (const name of ['lint-worker.js', 'lint-worker.ts']) {
    const candidate = path.join(__dirname, name);
    if (fs.existsSync(candidate)) return candidate;
  }
  return undefined;
}

/** A shared queue: each worker takes the next small batch when it is done with one, so slow files do not idle the others. */
function lintInWorkers(files: string[], count: number, settings: LinterSettings, progress: ProgressBar): Promise<FileFindings[]> {
  const script = workerScript()!;
  const results: FileFindings[] = [];
  let next = 0;
  return new Promise((resolve, reject) => {
    let alive = count;
    const workers: Worker[] = [];
    const fail = (e: Error) => {
      for (const w of workers) void w.terminate();
      reject(e);
    };
    for (let i = 0; i < count; i++) {
      const init: WorkerInit = { settings };
      const worker = new Worker(script, { workerData: init });
      workers.push(worker);
      const give = () => {
        if (next >= files.length) {
          worker.postMessage({ type: 'stop' } satisfies ToWorker);
          return;
        }
        const batch = files.slice(next, next + BATCH);
        next += batch.length;
        worker.postMessage({ type: 'lint', files: batch } satisfies ToWorker);
      };
      worker.on('message', (msg: FromWorker) => {
        if (msg.type === 'failed') return fail(new Error(`lint worker failed: ${msg.error}`));
        if (msg.type === 'linted') {
          results.push(...msg.results);
          progress.tick(msg.results.length);
        }
        give();
      });
      worker.on('error', fail);
      worker.on('exit', () => {
        if (--alive === 0) resolve(results);
      });
    }
  });
}
