/**
 * `ml-hygiene inspect MODEL [--format text|json] [--nodes] [--tensor NAME]...`: what a model
 * is (IR, opsets, producer, inputs/outputs, parameters, FLOPs), what is wrong with it (MODEL
 * rules), its nodes, and the statistics of the weights asked for by name.
 */
import type { Finding } from '../../../protocol/findings';
import type { ModelSummary, NodeSummary, TensorStats } from '../../../protocol/model';
import type { Graph, OnnxModel, Tensor } from '../onnx/model';
import { modelRules } from '../../../rules/model/index';
import { decodeModelFile } from '../onnx/decode';
import { OnnxDecodeError } from '../onnx/errors';
import { lintDecodedModel } from '../onnx/lint';
import { forEachGraph, summarizeModel } from '../onnx/summary';
import { TensorDataError, tensorStatistics } from '../onnx/tensor-data';

const USAGE = 'usage: ml-hygiene inspect MODEL.onnx [--format text|json] [--nodes] [--tensor NAME]...';

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
  let listNodes = false;
  const tensorNames: string[] = [];
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
    } else if (arg === '--nodes') {
      listNodes = true;
    } else if (arg === '--tensor' || arg.startsWith('--tensor=')) {
      const value = arg === '--tensor' ? argv[++i] : arg.slice('--tensor='.length);
      if (!value) {
        err.write(`ml-hygiene inspect: --tensor needs an initializer name\n${USAGE}\n`);
        return 2;
      }
      tensorNames.push(value);
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
  let model: OnnxModel;
  try {
    model = decodeModelFile(file);
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
  // Statistics read the tensor's bytes: only for the tensors named, and all named must exist.
  const tensors: TensorStats[] = [];
  for (const name of tensorNames) {
    const tensor = findInitializer(model, name);
    if (!tensor) {
      err.write(`ml-hygiene inspect: ${file} has no initializer named '${name}'${suggestInitializer(model, name)}\n`);
      return 2;
    }
    try {
      tensors.push(await tensorStatistics(model, tensor));
    } catch (error) {
      if (!(error instanceof TensorDataError)) throw error;
      err.write(`ml-hygiene inspect: cannot read the values of '${name}': ${error.message}\n`);
      return 2;
    }
  }
  if (format === 'json') {
    const json: ModelSummary & { tensors?: TensorStats[] } = tensorNames.length ? { ...summary, tensors } : summary;
    out.write(`${JSON.stringify(json, null, 2)}\n`);
  } else {
    let text = formatText(summary);
    if (listNodes) text += formatNodes(summary.graph.nodes);
    for (const stats of tensors) text += formatTensorStats(stats);
    out.write(text);
  }
  return findings.some((f) => f.severity === 'error') ? 1 : 0;
}

/** An initializer of the main graph or of any subgraph, by name. */
function findInitializer(model: OnnxModel, name: string): Tensor | undefined {
  let found: Tensor | undefined;
  forEachGraph(model, (graph: Graph) => {
    found ??= graph.initializer.find((t) => t.name === name);
  });
  return found;
}

function suggestInitializer(model: OnnxModel, name: string): string {
  const names: string[] = [];
  forEachGraph(model, (graph: Graph) => names.push(...graph.initializer.map((t) => t.name)));
  if (!names.length) return ' (it has no initializers)';
  const lower = name.toLowerCase();
  const close = names.filter((n) => n.toLowerCase().includes(lower) || lower.includes(n.toLowerCase())).slice(0, 5);
  return close.length ? `; did you mean ${close.map((n) => `'${n}'`).join(', ')}?` : `; it has ${names.length}, e.g. '${names[0]}'`;
}

function formatNodes(nodes: readonly NodeSummary[]): string {
  const lines = ['  nodes'];
  for (const n of nodes) {
    const op = n.domain ? `${n.domain}.${n.opType}` : n.opType;
    const outputs = n.outputs.map((o) => `${o.name}: ${o.type?.text || '?'}`).join(', ');
    const flops = n.flops === null ? '' : `  ${count(n.flops)} FLOPs`;
    lines.push(`    ${String(n.index).padStart(4)}  ${op.padEnd(18)} ${n.name || '(unnamed)'} -> ${outputs}${flops}`);
  }
  return `${lines.join('\n')}\n`;
}

/** One tensor's statistics with its histogram drawn as bars (16 rows merged from the buckets). */
function formatTensorStats(t: TensorStats): string {
  const lines = [`  tensor          ${t.name}: ${t.dataType.toLowerCase()}[${t.dims.join(',')}], ${count(t.elementCount)} values`];
  const num = (v: number | null) => (v === null ? 'n/a' : Number(v.toPrecision(6)).toString());
  lines.push(`    min ${num(t.min)}  max ${num(t.max)}  mean ${num(t.mean)}  std ${num(t.std)}`);
  lines.push(`    zeros ${t.zeros}  NaN ${t.nan}  +Inf ${t.posInf}  -Inf ${t.negInf}`);
  const rows = 16;
  const { counts, min, max } = t.histogram;
  if (counts.some((c) => c > 0)) {
    const per = Math.ceil(counts.length / rows);
    const merged: number[] = [];
    for (let i = 0; i < counts.length; i += per) merged.push(counts.slice(i, i + per).reduce((a, b) => a + b, 0));
    const peak = Math.max(...merged);
    const width = (max - min) / merged.length;
    merged.forEach((c, i) => {
      const from = min + i * width;
      const bar = '#'.repeat(Math.round((c / peak) * 40));
      lines.push(`    ${num(from).padStart(12)} | ${bar} ${c}`);
    });
  }
  return `${lines.join('\n')}\n`;
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
