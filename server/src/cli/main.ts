/**
 * `ml-hygiene`: the command-line face of the engine (no VS Code needed).
 *   ml-hygiene lint PATH...      lint Python, notebooks, pickles and models
 *   ml-hygiene inspect MODEL     summarize and lint an ONNX model
 *   ml-hygiene bench MODEL       benchmark and profile an ONNX model with onnxruntime
 *   ml-hygiene rules             list the rules
 */
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ALL_RULES } from '../../../rules';
import { LINT_HELP, runLint } from './lint-command';
import { runInspect } from './inspect';
import { BENCH_HELP, runBench } from './bench';
import { UsageError, type CliIo } from './io';
import { version } from '../../../package.json';

const HELP = `ml-hygiene ${version}: production hygiene for ML code and models

Usage:
  ml-hygiene lint [PATH...] [--format text|json|sarif] [--select IDS] [--ignore IDS]
  ml-hygiene inspect MODEL.onnx [--format text|json]
  ml-hygiene bench MODEL.onnx [--iterations N] [--threads N] [--provider P] [--dim NAME=VALUE] [--profile] [--format text|json|csv]
  ml-hygiene rules [--format text|json]
  ml-hygiene --version

Run \`ml-hygiene COMMAND --help\` for a command's options.
`;

type Command = (argv: string[], io: CliIo) => Promise<number>;

async function runRules(argv: string[], io: CliIo): Promise<number> {
  const json = argv.includes('--format=json') || (argv[0] === '--format' && argv[1] === 'json');
  if (json) io.out.write(JSON.stringify(ALL_RULES.map((r) => r.meta), null, 2) + '\n');
  else for (const r of ALL_RULES) io.out.write(`${r.meta.id}  ${r.meta.name.padEnd(32)} ${r.meta.severity.padEnd(8)} ${r.meta.practice}  ${r.meta.summary}\n`);
  return 0;
}

const COMMANDS: Record<string, Command> = {
  lint: runLint,
  inspect: (argv, io) => runInspect(argv, io.out, io.err),
  bench: runBench,
  rules: runRules,
};

export async function main(argv: string[], io: CliIo): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === '-h' || command === '--help' || command === 'help') {
    io.out.write(HELP);
    return command ? 0 : 2;
  }
  if (command === '--version' || command === '-V') {
    io.out.write(`${version}\n`);
    return 0;
  }
  const run = COMMANDS[command];
  if (!run) {
    io.err.write(`ml-hygiene: unknown command '${command}'\n\n${HELP}`);
    return 2;
  }
  try {
    return await run(rest, io);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (e instanceof UsageError || err.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' || err.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' || err.code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') {
      io.err.write(`ml-hygiene ${command}: ${err.message}\n${command === 'lint' ? '\n' + LINT_HELP : command === 'bench' ? '\n' + BENCH_HELP + '\n' : ''}`);
      return 2;
    }
    io.err.write(`ml-hygiene ${command}: internal error: ${err.stack ?? err.message}\n`);
    return 2;
  }
}

/** Runs the CLI on this process's arguments and streams; bin/ml-hygiene.js calls it. */
export function runFromProcess(): void {
  const io: CliIo = {
    out: process.stdout,
    err: process.stderr,
    cwd: process.cwd(),
    outIsTty: Boolean(process.stdout.isTTY),
    errIsTty: Boolean(process.stderr.isTTY),
    version,
    docsBase: pathToFileURL(path.join(__dirname, '..', 'docs', 'rules')).href,
  };
  main(process.argv.slice(2), io).then(
    (code) => {
      process.exitCode = code;
    },
    (e) => {
      process.stderr.write(`ml-hygiene: internal error: ${(e as Error).stack}\n`);
      process.exitCode = 2;
    },
  );
}

if (require.main === module) runFromProcess();
