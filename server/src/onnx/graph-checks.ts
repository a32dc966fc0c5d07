/**
 * Checker-style structural validation of graphs (the part of onnx.checker that needs no
 * operator schemas): every input defined before use, every value produced once, nodes in
 * topological order, subgraphs seeing their outer scope. Pure; the MODEL rules turn the
 * issues into findings.
 */
import type { Graph, Node, OnnxModel } from './model';

export type GraphIssue =
  | { kind: 'undefined-input'; graphPath: string; nodeIndex: number; node: Node; input: string }
  | { kind: 'unsorted'; graphPath: string; nodeIndex: number; node: Node; input: string; producerIndex: number }
  | { kind: 'duplicate-output'; graphPath: string; nodeIndex: number; node: Node | undefined; output: string; firstDefinedBy: string }
  | { kind: 'undefined-graph-output'; graphPath: string; output: string };

/** `Conv 'conv1' (node 3)` or `Conv (node 3)` for messages. */
export function describeNode(node: Node | undefined, index: number): string {
  if (!node) return 'graph input';
  return `${node.opType}${node.name ? ` '${node.name}'` : ''} (node ${index})`;
}

/** Runs the structural checks over the main graph and every nested subgraph. */
export function checkGraphStructure(model: OnnxModel): GraphIssue[] {
  const issues: GraphIssue[] = [];
  if (model.proto.graph) checkGraph(model.proto.graph, 'graph', new Set(), issues);
  model.proto.trainingInfo.forEach((info, i) => {
    if (info.initialization) checkGraph(info.initialization, `training_info[${i}].initialization`, new Set(), issues);
    // The algorithm graph may read the main graph's values and initializers.
    const mainScope = new Set<string>();
    const g = model.proto.graph;
    if (g) for (const n of [...g.input.map((v) => v.name), ...g.initializer.map((t) => t.name), ...g.node.flatMap((x) => x.output)]) mainScope.add(n);
    if (info.algorithm) checkGraph(info.algorithm, `training_info[${i}].algorithm`, mainScope, issues);
  });
  return issues;
}

function checkGraph(graph: Graph, graphPath: string, outer: ReadonlySet<string>, issues: GraphIssue[]): void {
  /** name -> who defined it in this graph: 'input', 'initializer' or a node index. */
  const definedBy = new Map<string, string>();
  const define = (name: string, by: string, nodeIndex: number, node: Node | undefined): void => {
    if (!name) return;
    const first = definedBy.get(name);
    // An initializer listed again as a graph input is legal (IR < 4 style); anything else is not SSA.
    if (first !== undefined && !(first === 'input' && by === 'initializer') && !(first === 'initializer' && by === 'input')) {
      issues.push({ kind: 'duplicate-output', graphPath, nodeIndex, node, output: name, firstDefinedBy: first });
      return;
    }
    if (first === undefined) definedBy.set(name, by);
  };
  for (const v of graph.input) define(v.name, 'input', -1, undefined);
  for (const t of graph.initializer) define(t.name, 'initializer', -1, undefined);
  for (const s of graph.sparseInitializer) if (s.values) define(s.values.name, 'initializer', -1, undefined);
  // Where each value is produced, to tell "produced later" (unsorted) from "never produced".
  const producer = new Map<string, number>();
  graph.node.forEach((node, i) => node.output.forEach((o) => { if (o && !producer.has(o)) producer.set(o, i); }));
  const visible = (name: string): boolean => definedBy.has(name) || outer.has(name);
  graph.node.forEach((node, index) => {
    for (const input of node.input) {
      if (!input || visible(input)) continue; // '' marks an omitted optional input
      const later = producer.get(input);
      if (later !== undefined && later >= index) issues.push({ kind: 'unsorted', graphPath, nodeIndex: index, node, input, producerIndex: later });
      else issues.push({ kind: 'undefined-input', graphPath, nodeIndex: index, node, input });
    }
    // Subgraphs see everything defined so far in this graph, and the outer scope.
    for (const a of node.attribute) {
      const subgraphs = a.g ? [a.g] : a.graphs;
      if (!subgraphs.length) continue;
      const scope = new Set([...outer, ...definedBy.keys()]);
      subgraphs.forEach((g, j) => checkGraph(g, `${graphPath}.node[${index}].${a.name}${a.g ? '' : `[${j}]`}`, scope, issues));
    }
    for (const output of node.output) define(output, `node ${index}`, index, node);
  });
  for (const o of graph.output) {
    if (o.name && !visible(o.name)) issues.push({ kind: 'undefined-graph-output', graphPath, output: o.name });
  }
}
