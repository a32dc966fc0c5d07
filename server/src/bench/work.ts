/**
 * The work one run does at the dims used: FLOPs from the model summary (the inspection's
 * cost model, with the symbolic dims replaced by their values) and an estimate of the
 * memory traffic (every node reads its inputs and writes its outputs once, weights
 * included: no cache reuse between nodes), for the roofline.
 */
import type { NodeSummary } from '../../../protocol/model';
import { DataType, rawByteLength } from '../onnx/data-types';
import type { Graph, OnnxModel } from '../onnx/model';
import { summarizeModel } from '../onnx/summary';

/** A copy of the model whose main-graph inputs have their dynamic dims set to `shapes`. */
export function withInputShapes(model: OnnxModel, shapes: ReadonlyMap<string, number[]>): OnnxModel {
  const graph = model.proto.graph;
  if (!graph) return model;
  const input = graph.input.map((v) => {
    const shape = shapes.get(v.name);
    const t = v.type?.value;
    if (!shape || !v.type || t?.kind !== 'tensor' || !t.shape) return v;
    return { ...v, type: { ...v.type, value: { ...t, shape: t.shape.map((d, i) => ({ ...d, value: shape[i] ?? d.value, param: shape[i] !== undefined ? undefined : d.param })) } } };
  });
  const g: Graph = { ...graph, input };
  return { path: model.path, fileSize: model.fileSize, proto: { ...model.proto, graph: g } };
}

function valueBytes(v: NodeSummary['inputs'][number]): number {
  const t = v.type;
  if (!t || t.kind !== 'tensor' || !t.shape || t.shape.some((d) => typeof d !== 'number')) return 0;
  const elemType = (DataType as unknown as Record<string, number>)[t.elemType];
  if (!elemType) return 0;
  return rawByteLength(elemType, (t.shape as number[]).reduce((a, b) => a * b, 1));
}

export function estimateWork(model: OnnxModel, shapes: ReadonlyMap<string, number[]>): { flops: number; bytes: number; uncostedNodes: number } {
  const summary = summarizeModel(withInputShapes(model, shapes));
  let bytes = 0;
  for (const n of summary.graph.nodes) for (const v of [...n.inputs, ...n.outputs]) if (v.name) bytes += valueBytes(v);
  return { flops: summary.flops.total, bytes, uncostedNodes: summary.flops.uncostedNodes };
}
