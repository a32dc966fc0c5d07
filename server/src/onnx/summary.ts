/**
 * The model summary: what the CLI prints and the graph view shows. Built from the decoded
 * model alone; reads no weight bytes (except a few tiny int64 tensors that shape
 * propagation follows).
 */
import type {
  AttributeSummary,
  DimSummary,
  FlopsSummary,
  GraphSummary,
  ModelSummary,
  NodeSummary,
  ParameterSummary,
  ValueSummary,
  ValueTypeSummary,
} from '../../../protocol/model';
import { dataTypeName, DataType, rawByteLength } from './data-types';
import { COSTED_OP_TYPES, nodeCost } from './flops';
import type { Graph, Node, OnnxModel, StringStringEntry, Tensor, TypeProto } from './model';
import { defaultOpset, inferGraphTypes, type ValueType } from './shapes';
import { attributeTypeName, attributeValueText, typeToText } from './text';
import { dataTypeTextName } from './data-types';
import { elementCount } from './tensor-data';

export function entriesToRecord(entries: readonly StringStringEntry[]): Record<string, string> {
  const record: Record<string, string> = {};
  for (const e of entries) record[e.key] = e.value;
  return record;
}

function typeSummaryFromProto(type: TypeProto | undefined, fallback: ValueType | undefined): ValueTypeSummary | null {
  if (type && type.value.kind !== 'none' && type.value.kind !== 'tensor') {
    const v = type.value;
    return {
      kind: v.kind,
      elemType: v.kind === 'sparse_tensor' ? dataTypeName(v.elemType) : '',
      shape: v.kind === 'sparse_tensor' && v.shape ? v.shape.map((d) => d.value ?? (d.param || null)) : null,
      text: typeToText(type),
    };
  }
  const t = fallback;
  if (!t) return null;
  if (t.declared) return typeSummaryFromProto(t.declared, undefined);
  return valueTypeSummary(t);
}

export function valueTypeSummary(t: ValueType): ValueTypeSummary {
  const shape: DimSummary[] | null = t.shape ? t.shape.map((d) => (d === undefined ? null : d)) : null;
  const text = dataTypeTextName(t.elemType) + (shape === null ? '[]' : shape.length ? `[${shape.map((d) => (d === null ? '?' : String(d))).join(',')}]` : '');
  return { kind: 'tensor', elemType: t.elemType ? dataTypeName(t.elemType) : '', shape, text };
}

interface SummaryContext {
  model: OnnxModel;
  opset: number;
  symbols: Set<string>;
  flops: FlopsSummary;
}

/**
 * One node as the summary and the graph view's details show it: op, attributes, inputs and
 * outputs typed by `value`, and its cost (FLOPs and MACs, null where not known).
 */
export function nodeSummary(node: Node, index: number, value: (name: string) => ValueSummary, cost: { flops: number | null; macs: number | null }): NodeSummary {
  const summary: NodeSummary = {
    index,
    name: node.name,
    opType: node.opType,
    domain: node.domain,
    attributes: node.attribute.map((a) => {
      const attribute: AttributeSummary = { name: a.name, type: attributeTypeName(a.type).toUpperCase(), value: attributeValueText(a) };
      if (a.refAttrName) attribute.refAttrName = a.refAttrName;
      return attribute;
    }),
    inputs: node.input.map(value),
    outputs: node.output.map(value),
    flops: cost.flops,
    macs: cost.macs,
  };
  if (node.overload) summary.overload = node.overload;
  if (node.metadataProps.length) summary.metadata = entriesToRecord(node.metadataProps);
  if (node.docString) summary.docString = node.docString;
  return summary;
}

function summarizeGraph(ctx: SummaryContext, graph: Graph, outer: ReadonlyMap<string, ValueType> | undefined): GraphSummary {
  const { types, inferred } = inferGraphTypes(ctx.model, graph, ctx.opset, outer);
  const value = (name: string): ValueSummary => {
    const t = types.get(name);
    const summary: ValueSummary = { name, type: t ? typeSummaryFromProto(t.declared, t) : null };
    if (t) summary.typeSource = inferred.has(name) ? 'inferred' : 'declared';
    return summary;
  };
  const declaredValue = (info: Graph['input'][number]): ValueSummary => {
    const summary: ValueSummary = { name: info.name, type: typeSummaryFromProto(info.type, types.get(info.name)) };
    if (summary.type) summary.typeSource = info.type ? 'declared' : 'inferred';
    if (info.docString) summary.docString = info.docString;
    return summary;
  };
  const nodes: NodeSummary[] = graph.node.map((node, index) => {
    const cost = nodeCost(node, (n) => types.get(n), ctx.symbols);
    if (cost.flops !== null) {
      ctx.flops.total += cost.flops;
      const key = node.domain ? `${node.domain}.${node.opType}` : node.opType;
      ctx.flops.byOpType[key] = (ctx.flops.byOpType[key] ?? 0) + cost.flops;
    } else if (COSTED_OP_TYPES.has(node.opType)) {
      ctx.flops.uncostedNodes++;
    }
    if (cost.macs !== null) ctx.flops.macs += cost.macs;
    const summary = nodeSummary(node, index, value, cost);
    const subgraphs: NonNullable<NodeSummary['subgraphs']> = [];
    for (const a of node.attribute) {
      if (a.g) subgraphs.push({ attribute: a.name, graph: summarizeGraph(ctx, a.g, types) });
      for (const g of a.graphs) subgraphs.push({ attribute: a.name, graph: summarizeGraph(ctx, g, types) });
    }
    if (subgraphs.length) summary.subgraphs = subgraphs;
    return summary;
  });
  const result: GraphSummary = {
    name: graph.name,
    nodeCount: graph.node.length,
    initializerCount: graph.initializer.length,
    sparseInitializerCount: graph.sparseInitializer.length,
    inputs: graph.input.map(declaredValue),
    outputs: graph.output.map(declaredValue),
    nodes,
  };
  if (graph.metadataProps.length) result.metadata = entriesToRecord(graph.metadataProps);
  return result;
}

/** Calls `visit` for every graph of the model: the main graph, nested subgraphs, training graphs. */
export function forEachGraph(model: OnnxModel, visit: (graph: Graph, path: string) => void): void {
  const walk = (graph: Graph, path: string): void => {
    visit(graph, path);
    graph.node.forEach((node, i) => {
      for (const a of node.attribute) {
        if (a.g) walk(a.g, `${path}.node[${i}].attribute(${a.name})`);
        a.graphs.forEach((g, j) => walk(g, `${path}.node[${i}].attribute(${a.name})[${j}]`));
      }
    });
  };
  if (model.proto.graph) walk(model.proto.graph, 'graph');
  model.proto.trainingInfo.forEach((info, i) => {
    if (info.initialization) walk(info.initialization, `training_info[${i}].initialization`);
    if (info.algorithm) walk(info.algorithm, `training_info[${i}].algorithm`);
  });
}

/** Bytes a tensor's values take (from its shape and type; string tensors from their payload). */
export function tensorByteLength(tensor: Tensor): number {
  if (tensor.dataType === DataType.STRING) {
    const p = tensor.payload;
    return p.kind === 'typed' ? p.runs.reduce((s, r) => s + r.end - r.start, 0) : 0;
  }
  return rawByteLength(tensor.dataType, elementCount(tensor.dims));
}

export function summarizeParameters(model: OnnxModel): ParameterSummary {
  const byType = new Map<number, { tensors: number; elements: number; bytes: number }>();
  const summary: ParameterSummary = { count: 0, bytes: 0, externalBytes: 0, tensors: 0, byDataType: [] };
  const add = (t: Tensor): void => {
    const elements = elementCount(t.dims);
    const bytes = tensorByteLength(t);
    summary.count += elements;
    summary.bytes += bytes;
    summary.tensors++;
    if (t.payload.kind === 'external') summary.externalBytes += bytes;
    const entry = byType.get(t.dataType) ?? { tensors: 0, elements: 0, bytes: 0 };
    entry.tensors++;
    entry.elements += elements;
    entry.bytes += bytes;
    byType.set(t.dataType, entry);
  };
  forEachGraph(model, (graph) => {
    graph.initializer.forEach(add);
    for (const sparse of graph.sparseInitializer) if (sparse.values) add(sparse.values);
  });
  summary.byDataType = [...byType.entries()]
    .sort((a, b) => b[1].bytes - a[1].bytes)
    .map(([dataType, e]) => ({ dataType: dataTypeName(dataType), ...e }));
  return summary;
}

/** The model-level fields every view of a model starts with (the summary, the graph view's properties). */
export type ModelHeader = Pick<ModelSummary, 'path' | 'fileSize' | 'irVersion' | 'opsets' | 'producer' | 'domain' | 'modelVersion' | 'docString' | 'metadata'>;

export function modelHeader(model: OnnxModel): ModelHeader {
  const m = model.proto;
  return {
    path: model.path,
    fileSize: model.fileSize,
    irVersion: m.irVersion,
    opsets: m.opsetImport.map((o) => ({ domain: o.domain, version: o.version })),
    producer: { name: m.producerName, version: m.producerVersion },
    domain: m.domain,
    modelVersion: String(m.modelVersion),
    docString: m.docString,
    metadata: entriesToRecord(m.metadataProps),
  };
}

/** The summary of a decoded model. */
export function summarizeModel(model: OnnxModel): ModelSummary {
  const m = model.proto;
  const flops: FlopsSummary = { total: 0, macs: 0, byOpType: {}, symbolicDims: [], uncostedNodes: 0 };
  const ctx: SummaryContext = { model, opset: defaultOpset(model), symbols: new Set(), flops };
  const emptyGraph: Graph = {
    node: [], name: '', initializer: [], sparseInitializer: [], docString: '', input: [], output: [], valueInfo: [],
    quantizationAnnotation: [], metadataProps: [],
  };
  const graph = summarizeGraph(ctx, m.graph ?? emptyGraph, undefined);
  flops.symbolicDims = [...ctx.symbols].sort();
  return {
    ...modelHeader(model),
    graph,
    functions: m.functions.map((f) => ({
      domain: f.domain, name: f.name, ...(f.overload ? { overload: f.overload } : {}), inputs: f.input, outputs: f.output, nodeCount: f.node.length,
    })),
    trainingInfoCount: m.trainingInfo.length,
    parameters: summarizeParameters(model),
    flops,
  };
}
