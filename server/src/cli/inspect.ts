/**
 * `ml-hygiene inspect MODEL [--format text|json]`: what a model is (IR, opsets, producer,
 * inputs/outputs, parameters, FLOPs) and what is wrong with it (MODEL rules).
 */
import type { Finding } from '../../../protocol/findings';
import type { ModelSummary } from '../../../protocol/model';
import { modelRules } from '../../../rules/model/index';
import { decodeModelFile } from '../onnx/decode';
import { OnnxDecodeError } from '../onnx/errors';
import { lintDecodedModel } from '../onnx/lint';
import { summarizeModel } from '../onnx/summary';

const USAGE = 'usage: ml-hygiene inspect MODEL.onnx [--format text|json]';

/**
 * Runs `inspect` and returns the exit code:
 * - 0: the model decoded and no MODEL rule reported anything of error severity;
 * - 1: the model decoded, and at least one finding has error severity (warnings alone keep 0,
 *   as a linter's exit code should fail CI only on errors);
 * - 2: bad usage, or a file that cannot be opened or decoded (the message names the file
 *   and the field path / byte offset).
 * Output goes to `out`; usage and decode errors to `err`.
 */
export async function runInspect(argv: string[], out: NodeJS.WritableStream, err: NodeJS.WritableStream): Promise<number> {
  let format: 'text' | 'json' = 'text';
  const files: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--format' || arg.startsWith('--format=')) {
      const value = arg === '--format' ? argv[++i] : arg.slice('--format='.length);
      if (value !== 'text' && value !== 'json') {
        err.write(`ml-hygiene inspect: --format must be text or json, not ${value === undefined ? 'nothing' : `'${value}'`}\n${USAGE}\n`);
        return 2;
      }
      format = value;
    } else if (arg === '-h' || arg === '--help') {
      out.write(`${USAGE}\n`);
      return 0;
    } else if (arg.startsWith('-')) {
      err.write(`ml-hygiene inspect: unknown option ${arg}\n${USAGE}\n`);
      return 2;
    } else {
      files.push(arg);
    }
  }
  if (files.length !== 1) {
    err.write(`ml-hygiene inspect: expected one model file, got ${files.length}\n${USAGE}\n`);
    return 2;
  }
  const file = files[0];
  let summary: ModelSummary;
  let findings: Finding[];
  try {
    const model = decodeModelFile(file);
    summary = summarizeModel(model);
    findings = await lintDecodedModel(model, modelRules);
  } catch (error) {
    if (error instanceof OnnxDecodeError) {
      err.write(`ml-hygiene inspect: ${error.message}\n`);
      return 2;
    }
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'EISDIR' || code === 'EACCES' || code === 'EPERM') {
      const reason = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : 'permission denied';
      err.write(`ml-hygiene inspect: ${file}: ${reason}\n`);
      return 2;
    }
    throw error;
  }
  summary.findings = findings;
  out.write(format === 'json' ? `${JSON.stringify(summary, null, 2)}\n` : formatText(summary));
  return findings.some((f) => f.severity === 'error') ? 1 : 0;
}

function bytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = n;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) { value /= 1024; unit++; }
  return `${unit ? value.toFixed(1) : value} ${units[unit]}`;
}

function count(n: number): string {
  if (n >= 1e12) return `${(n / 1e12).toFixed(2)} T`;
  if (n >= 1e9) return `${(n / 1e9).toFixed(2)} G`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)} M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(2)} k`;
  return String(n);
}

function formatText(s: ModelSummary): string {
  const lines: string[] = [];
  lines.push(`${s.path} (${bytes(s.fileSize)})`);
  lines.push(`  IR version      ${s.irVersion}`);
  lines.push(`  opsets          ${s.opsets.map((o) => `${o.domain || 'ai.onnx'} ${o.version}`).join(', ') || '(none)'}`);
  lines.push(`  producer        ${[s.producer.name, s.producer.version].filter(Boolean).join(' ') || '(none)'}`);
  const metadata = Object.entries(s.metadata);
  if (metadata.length) lines.push(`  metadata        ${metadata.map(([k, v]) => `${k}=${v.length > 60 ? `${v.slice(0, 57)}...` : v}`).join(', ')}`);
  lines.push(`  graph           ${s.graph.name || '(unnamed)'}: ${s.graph.nodeCount} nodes, ${s.graph.initializerCount} initializers`);
  if (s.functions.length) lines.push(`  functions       ${s.functions.map((f) => `${f.domain}.${f.name}`).join(', ')}`);
  lines.push('  inputs');
  for (const v of s.graph.inputs) lines.push(`    ${v.name}: ${v.type?.text || '(no type)'}`);
  lines.push('  outputs');
  for (const v of s.graph.outputs) lines.push(`    ${v.name}: ${v.type?.text || '(no type)'}`);
  const p = s.parameters;
  lines.push(`  parameters      ${count(p.count)} in ${p.tensors} tensors, ${bytes(p.bytes)}${p.externalBytes ? ` (${bytes(p.externalBytes)} external)` : ''}`);
  for (const t of p.byDataType) lines.push(`    ${t.dataType.padEnd(14)}${count(t.elements).padStart(10)}  ${bytes(t.bytes)}`);
  const f = s.flops;
  const per = f.symbolicDims.length ? ` (per unit of ${f.symbolicDims.join(', ')})` : '';
  lines.push(`  FLOPs           ${count(f.total)}${per}, MACs ${count(f.macs)}${f.uncostedNodes ? `; ${f.uncostedNodes} node(s) with unknown shapes not counted` : ''}`);
  const top = Object.entries(f.byOpType).sort((a, b) => b[1] - a[1]).slice(0, 5);
  for (const [op, n] of top) lines.push(`    ${op.padEnd(14)}${count(n).padStart(10)}`);
  const findings = s.findings ?? [];
  lines.push(`  findings        ${findings.length || 'none'}`);
  for (const finding of findings) lines.push(`    ${finding.severity.padEnd(8)}${finding.rule}  ${finding.message}`);
  return `${lines.join('\n')}\n`;
}
