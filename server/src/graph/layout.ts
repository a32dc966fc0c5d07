/**
 * Layout of the graph view, one group at a time: each expanded group's direct children
 * (collapsed groups and ops as fixed-size boxes, expanded child groups at the size of
 * their own layout) are laid out by elkjs's layered algorithm in a pool of worker
 * threads, and the results are cached per group and child sizes. The scene is then
 * assembled by placing each group's layout inside its frame.
 */
import { existsSync } from 'node:fs';
import * as os from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { GraphScene, SceneEdge, SceneNode } from '../../../protocol/graph';
import type { LayoutJob, LayoutReply } from './layout-types';
import { textWidth, type GraphStructure, type Item } from './structure';

/** Virtual nodes of a group's layout where edges enter and leave it. */
export const IN_PORT = -1;
export const OUT_PORT = -2;

/** Frame of an expanded group around its children. */
export const FRAME_HEADER = 26;
export const FRAME_PAD = 14;

const ELK_OPTIONS: Record<string, string> = {
  'elk.algorithm': 'layered',
  'elk.direction': 'DOWN',
  'elk.padding': '[top=0,left=0,bottom=0,right=0]',
  'elk.spacing.nodeNode': '18',
  'elk.layered.spacing.nodeNodeBetweenLayers': '28',
  'elk.layered.spacing.edgeNodeBetweenLayers': '12',
  'elk.spacing.edgeNode': '10',
  'elk.edgeRouting': 'POLYLINE',
  'elk.layered.considerModelOrder.strategy': 'NODES_AND_EDGES',
  'elk.layered.nodePlacement.strategy': 'LINEAR_SEGMENTS',
  'elk.layered.thoroughness': '2',
  // The greedy switch pass after crossing minimization cost up to about a third of a warm
  // layout and moved no node in any of the 131 distinct group layouts of SqueezeNet,
  // ResNet-50, Inception v1 and the 1k-node transformer (default view and all expanded).
  'elk.layered.crossingMinimization.greedySwitch.type': 'OFF',
};

interface Pending {
  resolve: (r: LayoutReply) => void;
  reject: (e: Error) => void;
  worker: Worker;
}

type Job = Omit<LayoutJob, 'id' | 'options'>;

/**
 * A job in a canonical form: node ids replaced by their position in the list (ports keep
 * their negative ids), so that groups of the same shape (the 12 layers of an encoder, the
 * blocks of a ResNet stage, the same group in a model opened again) share one layout.
 */
function canonical(job: Job): { key: string; job: Job; ids: number[] } {
  const index = new Map<number, number>();
  const ids: number[] = [];
  const nodes = job.nodes.map((n, i) => {
    const id = n.id < 0 ? n.id : i;
    index.set(n.id, id);
    ids.push(n.id);
    return n.layer ? { id, w: n.w, h: n.h, layer: n.layer } : { id, w: n.w, h: n.h };
  });
  const edges = job.edges.map(([a, b]): [number, number] => [index.get(a) ?? a, index.get(b) ?? b]);
  const key = `${nodes.map((n) => `${n.id}:${n.w}x${n.h}${n.layer ? n.layer[0] : ''}`).join(',')}|${edges.map((e) => `${e[0]}>${e[1]}`).join(',')}`;
  return { key, job: { nodes, edges }, ids };
}

/** Most layouts kept by content (each a few KB at most). */
const CACHE_ENTRIES = 2000;

/**
 * A pool of layout worker threads (unref'd so they never keep a process alive), with a
 * cache of layouts by content shared by every graph the server opens.
 */
export class LayoutPool {
  private workers: { worker: Worker; busy: number }[] = [];
  private pending = new Map<number, Pending>();
  private nextId = 1;
  private cache = new Map<string, Promise<LayoutReply>>();
  readonly size: number;
  /** Counters for tests and benchmarks. */
  readonly stats = { jobs: 0, cacheHits: 0, elk: 0 };

  constructor(size?: number) {
    this.size = size ?? Math.min(4, Math.max(2, (os.availableParallelism?.() ?? os.cpus().length) - 1));
  }

  private spawn(): { worker: Worker; busy: number } {
    const bundled = join(__dirname, 'layout-worker.js');
    const worker = existsSync(bundled)
      ? new Worker(bundled)
      : // Unbundled (tests, benchmarks under tsx): register tsx in the worker, then load the source.
        new Worker(`require('tsx/cjs'); require(${JSON.stringify(join(__dirname, 'layout-worker.ts'))});`, { eval: true });
    worker.unref();
    const entry = { worker, busy: 0 };
    worker.on('message', (reply: LayoutReply) => {
      entry.busy--;
      const p = this.pending.get(reply.id);
      this.pending.delete(reply.id);
      if (!p) return;
      if (reply.error) p.reject(new Error(`layout failed: ${reply.error}`));
      else p.resolve(reply);
    });
    worker.on('error', (e) => {
      // A dead worker fails what it held; the next job spawns a fresh one.
      this.workers = this.workers.filter((w) => w !== entry);
      for (const [id, p] of this.pending) if (p.worker === worker) (this.pending.delete(id), p.reject(e));
    });
    this.workers.push(entry);
    return entry;
  }

  /**
   * The worker for the next job: the least busy one. A new worker starts only when every
   * worker already has a queue: a fresh worker spends its first second loading elkjs and
   * compiling it, so a job waits less behind a warm worker's short queue than on a cold one.
   */
  private pick(): { worker: Worker; busy: number } {
    const entry = this.workers.reduce<{ worker: Worker; busy: number } | undefined>((best, w) => (!best || w.busy < best.busy ? w : best), undefined);
    if (!entry || (entry.busy >= 2 && this.workers.length < this.size)) return this.spawn();
    return entry;
  }

  private post(job: Job, entry = this.pick()): Promise<LayoutReply> {
    const id = this.nextId++;
    entry.busy++;
    const worker = entry.worker;
    return new Promise<LayoutReply>((resolve, reject) => {
      this.pending.set(id, { resolve, reject, worker });
      worker.postMessage({ ...job, id, options: ELK_OPTIONS } satisfies LayoutJob);
    });
  }

  /** Lays out one job in a worker, or answers from the cache when a job of the same content ran before. */
  async run(job: Job): Promise<LayoutReply> {
    this.stats.jobs++;
    const c = canonical(job);
    let reply = this.cache.get(c.key);
    if (reply) {
      this.stats.cacheHits++;
      // Most recently used last.
      this.cache.delete(c.key);
      this.cache.set(c.key, reply);
    } else {
      this.stats.elk++;
      reply = this.post(c.job);
      this.cache.set(c.key, reply);
      reply.catch(() => this.cache.delete(c.key));
      while (this.cache.size > CACHE_ENTRIES) this.cache.delete(this.cache.keys().next().value!);
    }
    const r = await reply;
    // Back to the caller's ids (a fresh copy: callers shift what they get).
    const positions = r.positions!.slice();
    for (let i = 0; i < positions.length; i += 3) if (positions[i] >= 0) positions[i] = c.ids[positions[i]];
    return { id: r.id, width: r.width, height: r.height, positions, routes: r.routes?.map((p) => p.slice()) };
  }

  /**
   * Starts the workers and lets each lay out a small graph like the real ones (branches
   * and joins, entry and exit ports), so the first real layout runs JIT-compiled code.
   * The server calls this when it starts, long before a model is opened. Resolves when
   * the warm-up layouts are done.
   */
  warm(): Promise<void> {
    if (this.warmed) return this.warmed;
    const nodes: LayoutJob['nodes'] = Array.from({ length: 40 }, (_, i) => ({ id: i, w: 60 + (i % 5) * 20, h: 26 }));
    nodes.unshift({ id: IN_PORT, w: 1, h: 1, layer: 'FIRST' });
    nodes.push({ id: OUT_PORT, w: 1, h: 1, layer: 'LAST' });
    const edges: [number, number][] = [[IN_PORT, 0], [39, OUT_PORT], [20, OUT_PORT]];
    for (let i = 1; i < 40; i++) edges.push([Math.floor((i - 1) / 2), i]);
    for (let i = 8; i < 39; i += 3) edges.push([i, i + 1]);
    // One worker: it costs memory (elkjs compiled) in every language server, and the decode
    // and the grouping on the main thread need a core; more workers start when jobs queue up.
    this.warmed = this.post({ nodes, edges }, this.spawn()).then(
      () => {},
      () => {},
    );
    return this.warmed;
  }
  private warmed: Promise<void> | undefined;

  async dispose(): Promise<void> {
    const workers = this.workers;
    this.workers = [];
    await Promise.all(workers.map((w) => w.worker.terminate()));
  }
}

/** One group's layout: child positions relative to the group's content origin. */
export interface GroupLayout {
  w: number;
  h: number;
  pos: Map<number, { x: number; y: number }>;
  /** `from>to` (item indices) -> polyline in the same coordinates. */
  routes: Map<string, number[]>;
}

const LAYER_GAP = 28;

/**
 * A group whose children form one chain (a stack of layers, sections, the blocks of a
 * sequential model) is laid out as the layered algorithm would, a centred column,
 * without a round trip to a worker.
 */
export function chainLayout(nodes: LayoutJob['nodes'], edges: [number, number][]): LayoutReply | undefined {
  if (edges.length !== nodes.length - 1) return undefined;
  const next = new Map<number, number>();
  const indegree = new Map<number, number>();
  for (const [a, b] of edges) {
    if (next.has(a) || indegree.has(b)) return undefined;
    next.set(a, b);
    indegree.set(b, 1);
  }
  const starts = nodes.filter((n) => !indegree.has(n.id));
  if (starts.length !== 1) return undefined;
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const order: LayoutJob['nodes'] = [];
  for (let id: number | undefined = starts[0].id; id !== undefined; id = next.get(id)) {
    const n = byId.get(id);
    if (!n || order.length > nodes.length) return undefined;
    order.push(n);
  }
  if (order.length !== nodes.length) return undefined;
  const width = Math.max(...nodes.map((n) => n.w));
  const positions: number[] = [];
  const place = new Map<number, { x: number; y: number; w: number; h: number }>();
  let y = 0;
  for (const n of order) {
    const x = (width - n.w) / 2;
    positions.push(n.id, x, y);
    place.set(n.id, { x, y, w: n.w, h: n.h });
    y += n.h + LAYER_GAP;
  }
  const routes = edges.map(([a, b]) => {
    const pa = place.get(a)!, pb = place.get(b)!;
    return [width / 2, pa.y + pa.h, width / 2, pb.y];
  });
  return { id: 0, width, height: y - LAYER_GAP, positions, routes };
}

/** Width of an expanded group's frame: its content, and room for the header's label and count. */
function frameWidth(item: Item, content: number): number {
  return Math.max(item.w, content + 2 * FRAME_PAD, textWidth(item.label) + textWidth(item.sub ?? '') + 64);
}

/** Layout caches of one graph structure. */
export class GraphLayouter {
  private cache = new Map<string, Promise<GroupLayout>>();
  /** Edges between the direct children of each group, computed once per group. */
  private childEdges = new Map<number, [number, number][]>();

  constructor(readonly s: GraphStructure, private readonly pool: LayoutPool) {}

  /**
   * Edges of g's layout: between its direct children, plus edges from the IN port (data
   * entering g from outside) and to the OUT port (data leaving g), so that edges crossing
   * a frame are routed inside it too.
   */
  private edgesOf(g: number): [number, number][] {
    let edges = this.childEdges.get(g);
    if (edges) return edges;
    const { items } = this.s;
    // The child of g that holds an item: a walk up its parents (as deep as the name scopes).
    const childOf = (item: number): number | undefined => {
      for (let x = item; x >= 0; x = items[x].parent) if (items[x].parent === g) return x;
      return undefined;
    };
    const seen = new Set<string>();
    edges = [];
    const { edgeFrom, edgeTo } = this.s;
    const touching = this.edgesTouching(g);
    const n = touching ? touching.length : edgeFrom.length;
    for (let k = 0; k < n; k++) {
      const e = touching ? touching[k] : k;
      let a = childOf(edgeFrom[e]), b = childOf(edgeTo[e]);
      if (a === undefined && b === undefined) continue;
      if (g !== 0) {
        a ??= IN_PORT;
        b ??= OUT_PORT;
      } else if (a === undefined || b === undefined) continue;
      if (a === b) continue;
      const key = `${a}>${b}`;
      if (seen.has(key)) continue;
      seen.add(key);
      edges.push([a, b]);
    }
    this.childEdges.set(g, edges);
    return edges;
  }

  /**
   * Items in pre-order (a group's subtree is the range [enter, exit) of its own number)
   * and the graph's edges sorted by the number of their source and of their target, so
   * that a group finds the edges with an end inside it by two binary searches instead of
   * a pass over every edge of the graph (1,200 groups x 20,000 edges to expand all of a
   * 10,000-node model).
   */
  private tree?: { enter: Int32Array; exit: Int32Array; bySource: Int32Array; sourceKey: Int32Array; byTarget: Int32Array; targetKey: Int32Array };

  private treeIndex(): NonNullable<GraphLayouter['tree']> {
    if (this.tree) return this.tree;
    const { items, edgeFrom, edgeTo } = this.s;
    const enter = new Int32Array(items.length).fill(-1);
    const exit = new Int32Array(items.length).fill(-1);
    const order: number[] = [];
    const stack = [0];
    while (stack.length) {
      const item = stack.pop()!;
      enter[item] = order.length;
      order.push(item);
      const children = items[item].children;
      for (let k = children.length - 1; k >= 0; k--) stack.push(children[k]);
    }
    const size = new Int32Array(items.length);
    for (let i = order.length - 1; i >= 0; i--) {
      const item = order[i];
      size[item] += 1;
      if (items[item].parent >= 0) size[items[item].parent] += size[item];
      exit[item] = enter[item] + size[item];
    }
    // Counting sort of the edges by the pre-order number of one end.
    const sortBy = (end: Int32Array): { by: Int32Array; key: Int32Array } => {
      const start = new Int32Array(order.length + 1);
      for (let e = 0; e < end.length; e++) start[enter[end[e]] + 1]++;
      for (let k = 1; k <= order.length; k++) start[k] += start[k - 1];
      const by = new Int32Array(end.length), key = new Int32Array(end.length);
      for (let e = 0; e < end.length; e++) {
        const at = start[enter[end[e]]]++;
        by[at] = e;
        key[at] = enter[end[e]];
      }
      return { by, key };
    };
    const source = sortBy(edgeFrom), target = sortBy(edgeTo);
    this.tree = { enter, exit, bySource: source.by, sourceKey: source.key, byTarget: target.by, targetKey: target.key };
    return this.tree;
  }

  /**
   * Indices of the edges with at least one end inside g, in the graph's edge order; null for
   * every edge, when g holds most of the graph (the top levels of a default view).
   */
  private edgesTouching(g: number): Int32Array | null {
    if (this.s.items[g].count * 2 >= this.s.body.nodes.length) return null;
    const { enter, exit, bySource, sourceKey, byTarget, targetKey } = this.treeIndex();
    const lo = enter[g], hi = exit[g];
    const first = (key: Int32Array): number => {
      let a = 0, b = key.length;
      while (a < b) {
        const m = (a + b) >>> 1;
        if (key[m] < lo) a = m + 1;
        else b = m;
      }
      return a;
    };
    const found: number[] = [];
    for (let k = first(sourceKey); k < sourceKey.length && sourceKey[k] < hi; k++) found.push(bySource[k]);
    const { edgeFrom } = this.s;
    for (let k = first(targetKey); k < targetKey.length && targetKey[k] < hi; k++) {
      const e = byTarget[k];
      const from = enter[edgeFrom[e]];
      // Edges with both ends inside were found by their source.
      if (from < lo || from >= hi) found.push(e);
    }
    // The graph's edge order, as the layout (model order) and the caches' keys expect.
    return Int32Array.from(found).sort();
  }

  /** Size of a child as drawn in its parent's layout. */
  private async sizeOf(c: number, expanded: ReadonlySet<string>): Promise<{ w: number; h: number }> {
    const item = this.s.items[c];
    if (item.kind === 'group' && expanded.has(item.id)) {
      const l = await this.layoutOf(c, expanded);
      return { w: frameWidth(item, l.w), h: l.h + FRAME_HEADER + FRAME_PAD };
    }
    return { w: item.w, h: item.h };
  }

  async layoutOf(g: number, expanded: ReadonlySet<string>): Promise<GroupLayout> {
    const children = this.s.items[g].children;
    const sizes = await Promise.all(children.map((c) => this.sizeOf(c, expanded)));
    const key = `${g}|${children.map((c, i) => (this.s.items[c].kind === 'group' && expanded.has(this.s.items[c].id) ? `${c}:${sizes[i].w}x${sizes[i].h}` : '')).join(',')}`;
    let layout = this.cache.get(key);
    if (!layout) {
      layout = this.compute(g, children, sizes);
      this.cache.set(key, layout);
      layout.catch(() => this.cache.delete(key));
    }
    return layout;
  }

  private async compute(g: number, children: number[], sizes: { w: number; h: number }[]): Promise<GroupLayout> {
    const edges = this.edgesOf(g);
    if (children.length <= 1 && !edges.length) {
      const pos = new Map(children.map((c) => [c, { x: 0, y: 0 }]));
      return { w: sizes[0]?.w ?? 0, h: sizes[0]?.h ?? 0, pos, routes: new Map() };
    }
    const nodes: LayoutJob['nodes'] = children.map((c, i) => ({ id: c, ...sizes[i] }));
    if (edges.some((e) => e[0] === IN_PORT)) nodes.unshift({ id: IN_PORT, w: 1, h: 1, layer: 'FIRST' });
    if (edges.some((e) => e[1] === OUT_PORT)) nodes.push({ id: OUT_PORT, w: 1, h: 1, layer: 'LAST' });
    const reply = chainLayout(nodes, edges) ?? (await this.pool.run({ nodes, edges }));
    const pos = new Map<number, { x: number; y: number }>();
    const p = reply.positions!;
    for (let i = 0; i < p.length; i += 3) pos.set(p[i], { x: p[i + 1], y: p[i + 2] });
    const routes = new Map<string, number[]>();
    edges.forEach(([a, b], i) => {
      const r = reply.routes?.[i];
      if (r?.length) routes.set(`${a}>${b}`, r);
    });
    // The ports sit on the content's top and bottom edge; the frame's header and padding hold them.
    let top = Infinity, bottom = -Infinity;
    children.forEach((c, i) => {
      const q = pos.get(c)!;
      top = Math.min(top, q.y);
      bottom = Math.max(bottom, q.y + sizes[i].h);
    });
    const shift = Number.isFinite(top) ? top : 0;
    if (shift) {
      for (const q of pos.values()) q.y -= shift;
      for (const r of routes.values()) for (let k = 1; k < r.length; k += 2) r[k] -= shift;
    }
    const height = Number.isFinite(bottom) ? bottom - shift : reply.height!;
    return { w: reply.width!, h: height, pos, routes };
  }

  /** Lays out what `expanded` opens and returns the scene to draw. */
  async scene(expandedIds: Iterable<string>): Promise<GraphScene> {
    const start = performance.now();
    const { items } = this.s;
    const expanded = new Set<string>();
    for (const id of expandedIds) if (this.s.byId.has(id) && items[this.s.byId.get(id)!].kind === 'group') expanded.add(id);
    const root = await this.layoutOf(0, expanded);
    const nodes: SceneNode[] = [];
    const origin = new Map<number, { x: number; y: number }>([[0, { x: 0, y: 0 }]]);
    const layouts = new Map<number, GroupLayout>([[0, root]]);
    const rep = new Int32Array(items.length).fill(-1);
    const visibleExpanded: string[] = [];
    const markSubtree = (item: number, r: number): void => {
      const stack = [item];
      while (stack.length) {
        const i = stack.pop()!;
        rep[i] = r;
        for (const c of items[i].children) stack.push(c);
      }
    };
    const place = async (g: number, depth: number): Promise<void> => {
      const layout = layouts.get(g)!;
      const o = origin.get(g)!;
      for (const c of items[g].children) {
        const item = items[c];
        const p = layout.pos.get(c) ?? { x: 0, y: 0 };
        const x = o.x + p.x, y = o.y + p.y;
        const open = item.kind === 'group' && expanded.has(item.id);
        const node: SceneNode = { id: item.id, kind: item.kind, label: item.label, x, y, w: item.w, h: item.h, depth };
        if (item.sub) node.sub = item.sub;
        if (item.kind === 'op') {
          const n = this.s.body.nodes[item.node!];
          node.opType = n.opType;
          node.name = n.name;
          if (n.domain) node.domain = n.domain;
        }
        if (item.kind === 'group') node.count = item.count;
        nodes.push(node);
        if (open) {
          const child = await this.layoutOf(c, expanded);
          node.expanded = true;
          node.w = frameWidth(item, child.w);
          node.h = child.h + FRAME_HEADER + FRAME_PAD;
          layouts.set(c, child);
          origin.set(c, { x: x + (node.w - child.w) / 2, y: y + FRAME_HEADER });
          visibleExpanded.push(item.id);
          rep[c] = c;
          await place(c, depth + 1);
        } else {
          markSubtree(c, c);
        }
      }
    };
    await place(0, 0);
    // Edges between the drawn boxes that hold each end.
    const byItem = new Map<number, SceneNode>();
    for (const n of nodes) byItem.set(this.s.byId.get(n.id)!, n);
    const merged = new Map<string, { a: number; b: number; count: number; tensor: string }>();
    const { edgeFrom, edgeTo, edgeTensor } = this.s;
    for (let e = 0; e < edgeFrom.length; e++) {
      const a = rep[edgeFrom[e]], b = rep[edgeTo[e]];
      if (a < 0 || b < 0 || a === b) continue;
      const key = `${a}>${b}`;
      const m = merged.get(key);
      if (m) m.count++;
      else merged.set(key, { a, b, count: 1, tensor: edgeTensor[e] });
    }
    // An edge's route: out of the source's frames (to their OUT ports), across the lowest
    // common group, into the target's frames (from their IN ports); straight when a piece is missing.
    const routeIn = (g: number, key: string): number[] | undefined => {
      const r = layouts.get(g)?.routes.get(key);
      if (!r) return undefined;
      const o = origin.get(g)!;
      const frame = g === 0 ? undefined : byItem.get(g);
      return r.map((v, i) => (i % 2 === 0 ? v + o.x : frame ? Math.min(frame.y + frame.h, Math.max(frame.y, v + o.y)) : v + o.y));
    };
    const chain = (x: number): number[] => {
      const out = [x];
      while (items[out[out.length - 1]].parent >= 0) out.push(items[out[out.length - 1]].parent);
      return out;
    };
    const edges: SceneEdge[] = [];
    for (const m of merged.values()) {
      const na = byItem.get(m.a)!, nb = byItem.get(m.b)!;
      const ca = chain(m.a), cb = chain(m.b);
      const inB = new Map(cb.map((x, i) => [x, i]));
      let ia = 0;
      while (!inB.has(ca[ia + 1])) ia++;
      const common = ca[ia + 1];
      const jb = inB.get(common)! - 1;
      const pieces: (number[] | undefined)[] = [];
      for (let k = 0; k < ia; k++) pieces.push(routeIn(ca[k + 1], `${ca[k]}>${OUT_PORT}`));
      pieces.push(routeIn(common, `${ca[ia]}>${cb[jb]}`));
      for (let k = jb - 1; k >= 0; k--) pieces.push(routeIn(cb[k + 1], `${IN_PORT}>${cb[k]}`));
      const points = pieces.every((p) => p) ? pieces.flatMap((p) => p!) : [na.x + na.w / 2, na.y + na.h, nb.x + nb.w / 2, nb.y];
      edges.push({ from: na.id, to: nb.id, label: m.count === 1 ? m.tensor : `${m.count} tensors`, points });
    }
    return {
      nodes,
      edges,
      width: root.w,
      height: root.h,
      expanded: visibleExpanded,
      totalNodes: this.s.body.nodes.length,
      layoutMs: Math.round(performance.now() - start),
    };
  }
}
