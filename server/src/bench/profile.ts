/**
 * onnxruntime's own profile (the chrome-trace JSON written with `enableProfiling`),
 * aggregated by node and by op type, and mapped back to the model's nodes.
 *
 * How profiled names are mapped back to the model (onnxruntime 1.30's naming):
 * 1. `name`: the optimized node keeps a model node's name (`Conv_12`, `/layer1/conv/Conv`);
 *    unnamed model nodes are called `<OpType>_<index>` by onnxruntime, and match that way.
 * 2. `nchwc`: the NCHWc layout transformer (level `all`, x86) names its nodes
 *    `<output tensor>_nchwc`: the model node producing that tensor is the one.
 * 3. `output` / `fused`: with the optimized model saved next to the profile, every
 *    optimized node also covers the model nodes that produced its output tensors (a
 *    FusedConv named after the Conv outputs the fused Relu's tensor), and model nodes whose
 *    outputs vanished from the optimized graph are "fused into" the first covered node
 *    downstream of them. Nodes whose outputs became initializers were constant-folded.
 * 4. `added`: nodes the optimizer created with no model counterpart (layout reorders).
 * The time of an optimized node that covers several model nodes sits on the earliest of
 * them; the others point to it (`fusedInto`). With graph optimizations off, the mapping
 * is one to one by name.
 */
import type { GraphOptimizationLevel, NodeProfile, NodeProfileMap, OperatorProfile, ProfiledNode } from '../../../protocol/bench';
import { profileNodeKey } from '../../../protocol/bench';

interface TraceEvent {
  cat?: string;
  name?: string;
  ts?: number;
  dur?: number;
  ph?: string;
  args?: Record<string, unknown>;
}

/** A model or optimized-graph node: what mapping needs. */
export interface GraphNodeInfo {
  name: string;
  opType: string;
  input: string[];
  output: string[];
}

export interface ProfileAggregate {
  runs: number;
  runTimeUs: number;
  nodes: { name: string; opType: string; provider: string; calls: number; totalUs: number }[];
}

/**
 * Aggregates kernel times by node over the `model_run` events, skipping the first
 * `skipRuns` runs (the profiled session's warm-up).
 */
export function aggregateProfile(events: unknown, skipRuns = 1): ProfileAggregate {
  if (!Array.isArray(events)) throw new Error('the profile is not a chrome-trace JSON array');
  const list = events as TraceEvent[];
  const runs = list.filter((e) => e.cat === 'Session' && e.name === 'model_run' && typeof e.ts === 'number' && typeof e.dur === 'number').sort((a, b) => a.ts! - b.ts!);
  const kept = runs.slice(Math.min(skipRuns, Math.max(0, runs.length - 1)));
  const windows = kept.map((r) => [r.ts!, r.ts! + r.dur!] as const);
  const inKept = (ts: number) => windows.some(([a, b]) => ts >= a && ts <= b);
  const byName = new Map<string, { name: string; opType: string; provider: string; calls: number; totalUs: number }>();
  for (const e of list) {
    if (e.cat !== 'Node' || typeof e.name !== 'string' || !e.name.endsWith('_kernel_time') || typeof e.dur !== 'number') continue;
    if (windows.length && !inKept(e.ts ?? -1)) continue;
    const name = e.name.slice(0, -'_kernel_time'.length);
    const args = e.args ?? {};
    const entry = byName.get(name) ?? { name, opType: String(args.op_name ?? '?'), provider: String(args.provider ?? '?'), calls: 0, totalUs: 0 };
    entry.calls++;
    entry.totalUs += e.dur;
    byName.set(name, entry);
  }
  const runTimeUs = kept.reduce((s, r) => s + r.dur!, 0) / Math.max(1, kept.length);
  return { runs: kept.length, runTimeUs, nodes: [...byName.values()] };
}

const ADDED_OPS = new Set(['ReorderInput', 'ReorderOutput', 'MemcpyToHost', 'MemcpyFromHost']);

/**
 * Maps an aggregated profile onto the model's main-graph nodes. `optimized` is the graph
 * onnxruntime ran (its saved optimized model), when available.
 */
export function mapProfile(
  aggregate: ProfileAggregate,
  model: GraphNodeInfo[],
  optimized: { nodes: GraphNodeInfo[]; initializers: Set<string> } | undefined,
  level: GraphOptimizationLevel,
  /** The model's runtime inputs (graph inputs that are not initializers): nodes that do not depend on them are constants. */
  runtimeInputs?: readonly string[],
): OperatorProfile {
  const runs = Math.max(1, aggregate.runs);
  const modelByName = new Map<string, number>();
  model.forEach((n, i) => {
    if (n.name) modelByName.set(n.name, i);
    else modelByName.set(`${n.opType}_${i}`, i);
  });
  const producer = new Map<string, number>();
  model.forEach((n, i) => n.output.forEach((o) => o && producer.set(o, i)));
  const optimizedByName = new Map(optimized?.nodes.map((n) => [n.name, n]) ?? []);
  // Model nodes computed from the runtime inputs (in topological order, as ONNX requires); the rest are constants.
  const dynamicNode = new Set<number>();
  if (runtimeInputs) {
    const dynamicTensor = new Set(runtimeInputs);
    model.forEach((n, i) => {
      if (n.input.some((t) => dynamicTensor.has(t))) {
        dynamicNode.add(i);
        n.output.forEach((o) => dynamicTensor.add(o));
      }
    });
  }
  const isConstant = (i: number) => runtimeInputs !== undefined && !dynamicNode.has(i);

  const totalUs = aggregate.nodes.reduce((s, n) => s + n.totalUs, 0) / runs;
  const byNode: ProfiledNode[] = aggregate.nodes.map((p) => {
    const covered = new Set<number>();
    let mapping: ProfiledNode['mapping'] = 'unknown';
    const direct = modelByName.get(p.name);
    if (direct !== undefined) {
      covered.add(direct);
      mapping = 'name';
    } else if (p.name.endsWith('_nchwc')) {
      const base = p.name.slice(0, -'_nchwc'.length);
      const i = producer.get(base) ?? modelByName.get(base);
      if (i !== undefined) {
        covered.add(i);
        mapping = 'nchwc';
      }
    }
    const opt = optimizedByName.get(p.name);
    if (opt) {
      const before = covered.size;
      for (const o of opt.output) {
        const i = producer.get(o);
        if (i !== undefined) covered.add(i);
      }
      if (covered.size > before) mapping = before === 0 && covered.size === 1 ? 'output' : 'fused';
    }
    if (!covered.size && (ADDED_OPS.has(p.opType) || /^reorder/i.test(p.name))) mapping = 'added';
    const meanUs = p.totalUs / runs;
    return {
      name: p.name,
      opType: p.opType,
      provider: p.provider,
      calls: p.calls,
      meanUs,
      share: totalUs > 0 ? meanUs / totalUs : 0,
      modelNodes: [...covered].sort((a, b) => a - b).map((i) => profileNodeKey({ name: model[i].name, index: i })),
      mapping,
    };
  });
  byNode.sort((a, b) => b.meanUs - a.meanUs);

  // Fusions: a covered model node's producers whose outputs vanished from the optimized
  // graph (and that no profiled node covers itself) ran inside the same kernel
  // (Conv + Relu -> FusedConv named after the Relu's output): cover them too.
  if (optimized) {
    const live = new Set<string>();
    for (const n of optimized.nodes) for (const t of [...n.input, ...n.output]) live.add(t);
    const claimed = new Set<number>();
    const indexOf = new Map(model.map((n, i) => [profileNodeKey({ name: n.name, index: i }), i]));
    for (const p of byNode) for (const k of p.modelNodes) claimed.add(indexOf.get(k)!);
    for (const p of byNode) {
      if (!p.modelNodes.length) continue;
      const covered = new Set(p.modelNodes.map((k) => indexOf.get(k)!));
      const stack = [...covered];
      while (stack.length) {
        const i = stack.pop()!;
        for (const t of model[i].input) {
          const j = producer.get(t);
          if (j === undefined || covered.has(j) || claimed.has(j) || isConstant(j)) continue;
          const outs = model[j].output.filter(Boolean);
          if (!outs.length || outs.some((o) => live.has(o) || optimized.initializers.has(o))) continue;
          covered.add(j);
          claimed.add(j);
          stack.push(j);
        }
      }
      if (covered.size > p.modelNodes.length) {
        p.modelNodes = [...covered].sort((a, b) => a - b).map((i) => profileNodeKey({ name: model[i].name, index: i }));
        p.mapping = 'fused';
      }
    }
  }

  // Per model node: the time sits on the earliest covered node of each profiled node.
  const keyOf = (i: number) => profileNodeKey({ name: model[i].name, index: i });
  const indexOfKey = new Map(model.map((n, i) => [keyOf(i), i]));
  const nodes: NodeProfileMap = {};
  const entry = (i: number): NodeProfile => {
    const key = keyOf(i);
    return (nodes[key] ??= { index: i, name: model[i].name, opType: model[i].opType, meanUs: 0, share: 0, providers: [], ranAs: [] });
  };
  for (const p of byNode) {
    if (!p.modelNodes.length) continue;
    const indices = p.modelNodes.map((k) => indexOfKey.get(k)!);
    const primary = entry(indices[0]);
    primary.meanUs += p.meanUs;
    if (!primary.providers.includes(p.provider)) primary.providers.push(p.provider);
    for (const i of indices) {
      const e = entry(i);
      if (!e.ranAs.includes(p.name)) e.ranAs.push(p.name);
      if (i !== indices[0] && e.meanUs === 0) e.fusedInto = keyOf(indices[0]);
      if (!e.providers.includes(p.provider)) e.providers.push(p.provider);
    }
  }
  for (const e of Object.values(nodes)) {
    if (e.meanUs > 0) delete e.fusedInto;
    e.share = totalUs > 0 ? e.meanUs / totalUs : 0;
  }

  // Model nodes with no kernel of their own: folded, or fused into a node downstream.
  if (optimized) {
    const liveTensors = new Set<string>();
    for (const n of optimized.nodes) for (const t of [...n.input, ...n.output]) liveTensors.add(t);
    const consumers = new Map<string, number[]>();
    model.forEach((n, i) => n.input.forEach((t) => consumers.set(t, [...(consumers.get(t) ?? []), i])));
    model.forEach((n, i) => {
      const key = keyOf(i);
      if (nodes[key]) return;
      const outs = n.output.filter(Boolean);
      if ((outs.length && outs.every((o) => optimized.initializers.has(o))) || (isConstant(i) && !outs.some((o) => liveTensors.has(o)))) {
        nodes[key] = { index: i, name: n.name, opType: n.opType, meanUs: 0, share: 0, providers: [], ranAs: [], folded: true };
        return;
      }
      if (outs.some((o) => liveTensors.has(o))) return;
      // Walk downstream to the first node that has a kernel.
      const seen = new Set<number>([i]);
      let frontier = outs.flatMap((o) => consumers.get(o) ?? []);
      while (frontier.length) {
        const next: number[] = [];
        for (const c of frontier) {
          if (seen.has(c)) continue;
          seen.add(c);
          const target = nodes[keyOf(c)];
          if (target && target.meanUs > 0) {
            nodes[key] = { index: i, name: n.name, opType: n.opType, meanUs: 0, share: 0, providers: [...target.providers], ranAs: [...target.ranAs], fusedInto: keyOf(c) };
            return;
          }
          if (target?.fusedInto) {
            nodes[key] = { index: i, name: n.name, opType: n.opType, meanUs: 0, share: 0, providers: [...target.providers], ranAs: [...target.ranAs], fusedInto: target.fusedInto };
            return;
          }
          next.push(...model[c].output.flatMap((o) => consumers.get(o) ?? []));
        }
        frontier = next;
      }
    });
  }

  const byOp = new Map<string, { calls: number; meanUs: number }>();
  const byProvider = new Map<string, number>();
  for (const p of byNode) {
    const o = byOp.get(p.opType) ?? { calls: 0, meanUs: 0 };
    o.calls += p.calls;
    o.meanUs += p.meanUs;
    byOp.set(p.opType, o);
    byProvider.set(p.provider, (byProvider.get(p.provider) ?? 0) + p.meanUs);
  }
  const mapped = byNode.filter((p) => p.modelNodes.length).reduce((s, p) => s + p.meanUs, 0);
  const mappingNote =
    level === 'disabled'
      ? 'graph optimizations were off: profiled nodes are the model nodes, one to one'
      : `graph optimization '${level}': ${byNode.filter((p) => p.modelNodes.length).length} of ${byNode.length} profiled nodes (${totalUs > 0 ? ((100 * mapped) / totalUs).toFixed(1) : '0'}% of node time) mapped back to model nodes by name, NCHWc naming${optimized ? ', output tensors of the saved optimized graph' : ''}; fused nodes carry their group's time on the earliest model node. Profile with graph optimization 'disabled' for a one-to-one mapping.`;
  return {
    runs: aggregate.runs,
    graphOptimization: level,
    nodeTimeUs: totalUs,
    runTimeUs: aggregate.runTimeUs,
    byNode,
    byOpType: [...byOp.entries()].map(([opType, o]) => ({ opType, calls: o.calls, meanUs: o.meanUs, share: totalUs > 0 ? o.meanUs / totalUs : 0 })).sort((a, b) => b.meanUs - a.meanUs),
    byProvider: [...byProvider.entries()].map(([provider, us]) => ({ provider, meanUs: us, share: totalUs > 0 ? us / totalUs : 0 })).sort((a, b) => b.meanUs - a.meanUs),
    nodes,
    mappingNote,
  };
}
