/**
 * The graph view's backend: opens models (decoded lazily by server/src/onnx), builds each
 * graph's structure and layouts on demand and caches them per file, and answers the
 * view's requests (layout, node details, search, tensor statistics, findings). Plain
 * async functions over protocol/graph.ts types; graph-handlers.ts serves them over LSP
 * and the tests call them in-process.
 */
import { statSync } from 'node:fs';
import { basename } from 'node:path';
import type {
  Breadcrumb,
  GraphFinding,
  GraphFindingsResult,
  GraphNodeDetails,
  GraphOpenParams,
  GraphOpenResult,
  GraphRef,
  GraphScene,
  GraphSearchMatch,
  GraphSearchResult,
  GraphStep,
  GraphTarget,
  InitializerInfo,
  ModelProperties,
  SceneNode,
  SourceLocation,
  TensorLink,
} from '../../../protocol/graph';
import { graphRefKey, packScene, type PackedScene } from '../../../protocol/graph';
import type { TensorStats, ValueSummary, ValueTypeSummary } from '../../../protocol/model';
import { decodeModelFile } from '../onnx/decode';
import { dataTypeName } from '../onnx/data-types';
import { nodeCost } from '../onnx/flops';
import type { Graph, Node, OnnxModel, Tensor } from '../onnx/model';
import { defaultOpset, inferGraphTypes, type ValueType } from '../onnx/shapes';
import { modelHeader, nodeSummary, tensorByteLength, valueTypeSummary } from '../onnx/summary';
import { tensorStatistics } from '../onnx/tensor-data';
import { typeToText } from '../onnx/text';
import { GraphLayouter, LayoutPool } from './layout';
import { ancestorsOf, buildStructure, consumersOf, defaultExpanded, type GraphBody, type GraphStructure } from './structure';

interface OpenGraph {
  graph: Graph;
  body: GraphBody;
  structure: GraphStructure;
  layouter: GraphLayouter;
  crumbs: Breadcrumb[];
  types?: Map<string, ValueType>;
  consumers?: Map<string, number[]>;
}

interface OpenModel {
  path: string;
  mtimeMs: number;
  size: number;
  model: OnnxModel;
  graphs: Map<string, OpenGraph>;
}

function emptyGraph(name: string): Graph {
  return { node: [], name, initializer: [], sparseInitializer: [], docString: '', input: [], output: [], valueInfo: [], quantizationAnnotation: [], metadataProps: [] };
}

/** `File "/x/model.py", line 40, in forward` -> the innermost user frame. */
export function sourceOf(metadata: Record<string, string> | undefined): SourceLocation | undefined {
  if (!metadata) return undefined;
  const trace = metadata['pkg.torch.onnx.stack_trace'] ?? metadata['stack_trace'];
  if (!trace) return undefined;
  const frames = [...trace.matchAll(/File "([^"]+)", line (\d+)[^\n]*(?:\n\s+([^\n]*))?/g)];
  const frame = frames.filter((f) => !/site-packages|dist-packages|torch\/nn\/modules/.test(f[1])).pop() ?? frames.pop();
  if (!frame) return undefined;
  const loc: SourceLocation = { file: frame[1], line: Number(frame[2]) };
  if (frame[3]) loc.text = frame[3].trim();
  return loc;
}

export class GraphService {
  private models = new Map<string, OpenModel>();
  readonly pool: LayoutPool;

  /**
   * `warm` (default true): start the layout workers now and let them load and compile
   * elkjs, so that the first model opened is laid out by warm workers (a cold worker
   * spends about a second, on a core of its own, before its first layout is done).
   */
  constructor(options: { poolSize?: number; maxModels?: number; warm?: boolean } = {}) {
    this.pool = new LayoutPool(options.poolSize);
    this.maxModels = options.maxModels ?? 4;
    if (options.warm ?? true) void this.pool.warm();
  }
  private readonly maxModels: number;

  private openModel(path: string): OpenModel {
    const st = statSync(path);
    const cached = this.models.get(path);
    if (cached && cached.mtimeMs === st.mtimeMs && cached.size === st.size) {
      // Most recently used last.
      this.models.delete(path);
      this.models.set(path, cached);
      return cached;
    }
    const model = decodeModelFile(path);
    const entry: OpenModel = { path, mtimeMs: st.mtimeMs, size: st.size, model, graphs: new Map() };
    this.models.set(path, entry);
    while (this.models.size > this.maxModels) this.models.delete(this.models.keys().next().value!);
    return entry;
  }

  private resolveGraph(m: OpenModel, ref: GraphRef = []): OpenGraph {
    const key = graphRefKey(ref);
    const cached = m.graphs.get(key);
    if (cached) return cached;
    const main = m.model.proto.graph ?? emptyGraph('graph');
    let graph = main;
    const crumbs: Breadcrumb[] = [{ label: main.name || 'main graph', graph: [] }];
    const steps: GraphStep[] = [];
    for (const step of ref) {
      steps.push(step);
      if (step.kind === 'attribute') {
        const node = graph.node[step.node];
        const attr = node?.attribute.find((a) => a.name === step.attribute);
        const sub = attr ? (attr.g && step.index === 0 ? attr.g : attr.graphs[step.index]) : undefined;
        if (!node || !sub) throw new Error(`${basename(m.path)}: no subgraph '${step.attribute}' on node ${step.node}`);
        graph = sub;
        crumbs.push({ label: `${node.name || `${node.opType} ${step.node}`} › ${step.attribute}`, graph: [...steps] });
      } else {
        const f = m.model.proto.functions.find((fn) => fn.domain === step.domain && fn.name === step.name && (fn.overload || undefined) === step.overload);
        if (!f) throw new Error(`${basename(m.path)}: no local function ${step.domain}.${step.name}`);
        graph = { ...emptyGraph(f.name), node: f.node, input: f.input.map((name) => ({ name, docString: '', metadataProps: [] }) as never), output: f.output.map((name) => ({ name, docString: '', metadataProps: [] }) as never), valueInfo: f.valueInfo };
        crumbs.push({ label: `ƒ ${f.domain ? `${f.domain}.` : ''}${f.name}`, graph: [...steps] });
      }
    }
    // Graph inputs that are initializers too (IR < 4): a set of the few inputs, not of every weight.
    const inputNames = new Set(graph.input.map((v) => v.name));
    const initializers = new Set<string>();
    for (const t of graph.initializer) if (inputNames.has(t.name)) initializers.add(t.name);
    for (const s of graph.sparseInitializer) if (s.values && inputNames.has(s.values.name)) initializers.add(s.values.name);
    const body: GraphBody = {
      name: graph.name,
      nodes: graph.node,
      inputs: graph.input.map((v) => v.name).filter((n) => !initializers.has(n)),
      outputs: graph.output.map((v) => v.name),
      initializers,
    };
    const structure = buildStructure(body);
    const open: OpenGraph = { graph, body, structure, layouter: new GraphLayouter(structure, this.pool), crumbs };
    m.graphs.set(key, open);
    return open;
  }

  private target(t: GraphTarget): { m: OpenModel; g: OpenGraph } {
    const m = this.openModel(t.path);
    return { m, g: this.resolveGraph(m, t.graph) };
  }

  private properties(m: OpenModel, g: OpenGraph): ModelProperties {
    const p = m.model.proto;
    const value = (v: Graph['input'][number]): ValueSummary => {
      const type: ValueTypeSummary | null = v.type ? { kind: v.type.value.kind, elemType: '', shape: null, text: typeToText(v.type) } : null;
      return { name: v.name, type };
    };
    return {
      ...modelHeader(m.model),
      path: m.path,
      graphName: g.graph.name,
      nodeCount: g.graph.node.length,
      initializerCount: g.graph.initializer.length,
      inputs: g.graph.input.filter((v) => !g.body.initializers.has(v.name)).map(value),
      outputs: g.graph.output.map(value),
      functions: p.functions.map((f) => ({ domain: f.domain, name: f.name, nodeCount: f.node.length })),
    };
  }

  async open(params: GraphOpenParams): Promise<GraphOpenResult> {
    // Started with the server; if not, the workers warm up while the model decodes.
    void this.pool.warm();
    const t0 = performance.now();
    const m = this.openModel(params.path);
    const t1 = performance.now();
    const g = this.resolveGraph(m, params.graph);
    const t2 = performance.now();
    const expanded = params.expanded ?? defaultExpanded(g.structure);
    const scene = packScene(await this.sceneOf(g, expanded));
    return { model: this.properties(m, g), graph: params.graph ?? [], breadcrumbs: g.crumbs, scene, timings: { decodeMs: Math.round(t1 - t0), structureMs: Math.round(t2 - t1) } };
  }

  async layout(params: GraphTarget & { expanded: string[] }): Promise<PackedScene> {
    return packScene(await this.sceneOf(this.target(params).g, params.expanded));
  }

  private async sceneOf(g: OpenGraph, expanded: string[]): Promise<GraphScene> {
    const scene = await g.layouter.scene(expanded);
    // Nodes that hold a subgraph or call a local function can be stepped into.
    const functions = new Set(this.modelOf(g)?.model.proto.functions.map((f) => `${f.domain}:${f.name}`) ?? []);
    for (const n of scene.nodes) if (n.kind === 'op') this.addSteps(g, n, functions);
    return scene;
  }

  private modelOf(g: OpenGraph): OpenModel | undefined {
    for (const m of this.models.values()) for (const og of m.graphs.values()) if (og === g) return m;
    return undefined;
  }

  private addSteps(g: OpenGraph, n: SceneNode, functions: Set<string>): void {
    const index = Number(n.id.slice(1));
    const node = g.body.nodes[index];
    const steps: NonNullable<SceneNode['steps']> = [];
    for (const a of node.attribute) {
      if (a.g) steps.push({ label: a.name, step: { kind: 'attribute', node: index, attribute: a.name, index: 0 } });
      a.graphs.forEach((_, i) => steps.push({ label: `${a.name}[${i}]`, step: { kind: 'attribute', node: index, attribute: a.name, index: i } }));
    }
    if (functions.has(`${node.domain}:${node.opType}`)) steps.push({ label: `function ${node.opType}`, step: { kind: 'function', domain: node.domain, name: node.opType } });
    if (steps.length) n.steps = steps;
  }

  private typesOf(m: OpenModel, g: OpenGraph): Map<string, ValueType> {
    if (!g.types) g.types = inferGraphTypes(m.model, g.graph, defaultOpset(m.model)).types as Map<string, ValueType>;
    return g.types;
  }

  async node(params: GraphTarget & { id: string }): Promise<GraphNodeDetails> {
    const { m, g } = this.target(params);
    const item = g.structure.byId.get(params.id);
    const index = params.id.startsWith('n') ? Number(params.id.slice(1)) : NaN;
    const node: Node | undefined = g.body.nodes[index];
    if (item === undefined || !node) throw new Error(`no node '${params.id}' in ${basename(m.path)}`);
    const types = this.typesOf(m, g);
    const value = (name: string): ValueSummary => {
      const t = types.get(name);
      let type: ValueTypeSummary | null = null;
      if (t) type = t.declared && t.declared.value.kind !== 'tensor' && t.declared.value.kind !== 'none' ? { kind: t.declared.value.kind, elemType: '', shape: null, text: typeToText(t.declared) } : valueTypeSummary(t);
      return { name, type };
    };
    const cost = nodeCost(node, (n) => types.get(n), new Set());
    const summary = nodeSummary(node, index, value, cost);
    const linkOf = (leaf: number): TensorLink => {
      const it = g.structure.items[leaf];
      const label = it.kind === 'op' ? `${it.label}${g.body.nodes[it.node!].name ? ` ${g.body.nodes[it.node!].name}` : ` #${it.node}`}` : it.label;
      return { id: it.id, label };
    };
    const initializers = new Map<string, Tensor>(g.graph.initializer.map((t) => [t.name, t]));
    const inputFrom: GraphNodeDetails['inputFrom'] = node.input.map((name) => {
      const init = initializers.get(name);
      if (init) {
        const info: InitializerInfo = { name, dataType: dataTypeName(init.dataType), dims: [...init.dims], bytes: tensorByteLength(init), external: init.payload.kind === 'external' };
        return { kind: 'initializer', initializer: info };
      }
      const p = name ? g.structure.producer.get(name) : undefined;
      if (p === undefined) return { kind: name ? 'outer' : 'none' };
      return { kind: g.structure.items[p].kind === 'input' ? 'input' : 'node', link: linkOf(p) };
    });
    g.consumers ??= consumersOf(g.structure);
    const consumers = g.consumers;
    const outputTo = node.output.map((name) => (consumers.get(name) ?? []).map(linkOf));
    const details: GraphNodeDetails = { id: params.id, node: summary, inputFrom, outputTo, ancestors: ancestorsOf(g.structure, item) };
    const source = sourceOf(summary.metadata);
    if (source) details.source = source;
    return details;
  }

  async tensorStats(params: GraphTarget & { tensor: string }): Promise<TensorStats> {
    const { m, g } = this.target(params);
    const t = g.graph.initializer.find((x) => x.name === params.tensor);
    if (!t) throw new Error(`no initializer '${params.tensor}' in ${basename(m.path)}`);
    return tensorStatistics(m.model, t, { bins: 48 });
  }

  async search(params: GraphTarget & { query: string; limit?: number }): Promise<GraphSearchResult> {
    const { g } = this.target(params);
    const q = params.query.trim().toLowerCase();
    const limit = params.limit ?? 200;
    const matches: GraphSearchMatch[] = [];
    let total = 0;
    if (!q) return { matches, total };
    const push = (item: number, matched: GraphSearchMatch['matched']): void => {
      total++;
      if (matches.length >= limit) return;
      const it = g.structure.items[item];
      const label = it.kind === 'op' ? g.body.nodes[it.node!].name || `${it.label} #${it.node}` : it.label;
      matches.push({ id: it.id, label, matched, ancestors: ancestorsOf(g.structure, item) });
    };
    // Items in graph order: inputs, nodes (between their groups), outputs.
    const items = g.structure.items;
    for (let item = 0; item < items.length; item++) {
      const it = items[item];
      if (it.kind === 'input' || it.kind === 'output') {
        if (it.id.slice(2).toLowerCase().includes(q)) push(item, 'name');
        continue;
      }
      if (it.kind !== 'op') continue;
      const node = g.body.nodes[it.node!];
      if (node.name.toLowerCase().includes(q)) push(item, 'name');
      else if (node.opType.toLowerCase() === q) push(item, 'opType');
      else if (node.output.some((o) => o.toLowerCase().includes(q)) || node.input.some((i) => i.toLowerCase().includes(q))) push(item, 'tensor');
    }
    return { matches, total };
  }

  async findings(params: GraphTarget): Promise<GraphFindingsResult> {
    const { m, g } = this.target(params);
    const { lintDecodedModel } = await import('../onnx/lint');
    const { modelRules } = await import('../../../rules/model/index');
    const found = await lintDecodedModel(m.model, modelRules);
    const out: GraphFinding[] = found.map((finding) => {
      const entry: GraphFinding = { finding };
      // Main-graph findings name their node as `(node N)`.
      const hit = (params.graph ?? []).length === 0 ? /^graph:.*?\(node (\d+)\)/.exec(finding.message) : null;
      const item = hit ? g.structure.byId.get(`n${hit[1]}`) : undefined;
      if (item !== undefined) {
        entry.id = `n${hit![1]}`;
        entry.ancestors = ancestorsOf(g.structure, item);
      }
      return entry;
    });
    return { findings: out };
  }

  /** Every group of a graph (for "expand all" and the benchmark). */
  groupIds(target: GraphTarget): string[] {
    const { g } = this.target(target);
    return g.structure.items.filter((it, i) => it.kind === 'group' && i > 0 && g.structure.byId.get(it.id) === i).map((it) => it.id);
  }

  async dispose(): Promise<void> {
    this.models.clear();
    await this.pool.dispose();
  }
}
