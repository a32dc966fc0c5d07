/**
 * The graph view's model of one graph: its nodes, graph inputs and outputs as items,
 * the dataflow edges between them, and the hierarchy of groups built from the nodes'
 * name scopes (`/encoder/layer.3/attention/MatMul` sits in `encoder` > `layer.3` >
 * `attention`). A group with one child is replaced by that child; a group with more than
 * MAX_CHILDREN children is cut into sections, so no layout call sees more than that.
 * Pure data; knows nothing of LSP or of the layout library.
 */
import type { Node } from '../onnx/model';

/** Children of one group above which it is cut into sections. */
export const MAX_CHILDREN = 1000;

/** A graph as the view sees it: main graph, If/Loop/Scan body or local function. */
export interface GraphBody {
  name: string;
  nodes: readonly Node[];
  /** Graph inputs that are not initializers. */
  inputs: readonly string[];
  outputs: readonly string[];
  initializers: ReadonlySet<string>;
}

export type ItemKind = 'op' | 'group' | 'input' | 'output';

export interface Item {
  id: string;
  kind: ItemKind;
  label: string;
  sub?: string;
  /** Index of the parent item; -1 for the root. */
  parent: number;
  children: number[];
  /** Graph nodes in the subtree (1 for an op). */
  count: number;
  /** Position in the graph's order (first node index in the subtree), for a stable layout. */
  order: number;
  /** For ops: the node's index in the graph. */
  node?: number;
  /** Collapsed size. */
  w: number;
  h: number;
}

export interface GraphStructure {
  body: GraphBody;
  items: Item[];
  /** Scene id -> item index. */
  byId: Map<string, number>;
  /** Edges between leaf items (ops, inputs, outputs), one per tensor and consumer. */
  edgeFrom: Int32Array;
  edgeTo: Int32Array;
  edgeTensor: string[];
  /** Tensor name -> producing leaf item. */
  producer: Map<string, number>;
}

/** Tensor name -> consuming leaf items (built on first use: only the details panel needs it). */
export function consumersOf(s: GraphStructure): Map<string, number[]> {
  const consumers = new Map<string, number[]>();
  const add = (name: string, item: number): void => {
    const list = consumers.get(name);
    if (list) list.push(item);
    else consumers.set(name, [item]);
  };
  s.body.nodes.forEach((node, index) => {
    const item = s.byId.get(`n${index}`)!;
    node.input.forEach((input, k) => {
      if (input && node.input.indexOf(input) === k) add(input, item);
    });
  });
  for (const name of s.body.outputs) add(name, s.byId.get(`o:${name}`)!);
  return consumers;
}

/** Approximate width of `text` in the view's 12px UI font. */
export function textWidth(text: string): number {
  return Math.ceil(text.length * 6.8);
}

export function shorten(text: string, max = 36): string {
  return text.length <= max ? text : `${text.slice(0, Math.floor(max / 2) - 1)}…${text.slice(-(Math.ceil(max / 2) - 1))}`;
}

/** The name scopes of a node name: `/a/b/Op_1` -> [a, b]; names without `/` have none. */
export function scopesOf(name: string): string[] {
  if (!name.includes('/')) return [];
  const parts = name.split('/').filter((p) => p.length > 0);
  parts.pop();
  return parts;
}

/** One formatter for all counts (toLocaleString builds one per call). */
const COUNT_FORMAT = new Intl.NumberFormat('en-US');

export const OP_HEIGHT = 26;
export const GROUP_HEIGHT = 42;
export const IO_HEIGHT = 38;

function sizeOp(opType: string): { w: number; h: number } {
  return { w: Math.max(56, Math.min(220, textWidth(opType) + 24)), h: OP_HEIGHT };
}

function sizeBox(label: string, sub: string, h: number): { w: number; h: number } {
  return { w: Math.max(90, Math.min(280, Math.max(textWidth(label), textWidth(sub)) + 28)), h };
}

export function buildStructure(body: GraphBody): GraphStructure {
  const items: Item[] = [{ id: 'g', kind: 'group', label: body.name || 'graph', parent: -1, children: [], count: 0, order: -1, w: 0, h: 0 }];
  const byId = new Map<string, number>([['g', 0]]);
  const groupOf = new Map<string, number>([['', 0]]);
  const add = (item: Item): number => {
    const index = items.length;
    items.push(item);
    byId.set(item.id, index);
    if (item.parent >= 0) items[item.parent].children.push(index);
    return index;
  };
  for (const name of body.inputs) {
    const sub = 'input';
    add({ id: `i:${name}`, kind: 'input', label: shorten(name), sub, parent: 0, children: [], count: 0, order: -1, ...sizeBox(shorten(name), sub, IO_HEIGHT) });
  }
  const leafOfNode = new Int32Array(body.nodes.length);
  body.nodes.forEach((node, index) => {
    // Nodes of one scope share the name's prefix: one lookup per node, the walk only for a new prefix.
    const slash = node.name.lastIndexOf('/');
    const prefix = slash > 0 ? node.name.slice(0, slash) : '';
    let parent = groupOf.get(prefix);
    if (parent === undefined) {
      parent = 0;
      let key = '';
      for (const scope of scopesOf(node.name)) {
        key += `/${scope}`;
        let g = groupOf.get(key);
        if (g === undefined) {
          g = add({ id: `g${key}`, kind: 'group', label: scope, parent, children: [], count: 0, order: index, w: 0, h: 0 });
          groupOf.set(key, g);
        }
        parent = g;
      }
      groupOf.set(prefix, parent);
    }
    leafOfNode[index] = add({ id: `n${index}`, kind: 'op', label: node.opType, parent, children: [], count: 1, order: index, node: index, ...sizeOp(node.opType) });
  });
  for (const name of body.outputs) {
    const sub = 'output';
    add({ id: `o:${name}`, kind: 'output', label: shorten(name), sub, parent: 0, children: [], count: 0, order: Number.MAX_SAFE_INTEGER, ...sizeBox(shorten(name), sub, IO_HEIGHT) });
  }

  // Counts and orders, bottom-up (children always come after their parent in `items`).
  for (let i = items.length - 1; i > 0; i--) {
    const item = items[i];
    const parent = items[item.parent];
    parent.count += item.count;
    if (item.kind !== 'input' && (parent.order < 0 || item.order < parent.order)) parent.order = item.order;
  }
  // A group with a single child is replaced by that child.
  const hoist = (g: number): void => {
    const item = items[g];
    item.children = item.children.map((c) => {
      let child = c;
      while (items[child].kind === 'group' && items[child].children.length === 1) {
        byId.delete(items[child].id);
        child = items[child].children[0];
      }
      items[child].parent = g;
      return child;
    });
    for (const c of item.children) if (items[c].kind === 'group') hoist(c);
  };
  hoist(0);
  // Children in graph order; big groups cut into sections.
  const sectionize = (g: number): void => {
    const item = items[g];
    item.children.sort((a, b) => items[a].order - items[b].order);
    while (item.children.length > MAX_CHILDREN) {
      const n = item.children.length;
      const size = Math.ceil(n / Math.ceil(n / MAX_CHILDREN));
      const sections: number[] = [];
      for (let start = 0, k = 1; start < n; start += size, k++) {
        const members = item.children.slice(start, start + size);
        const first = items[members[0]].label, last = items[members[members.length - 1]].label;
        const index = items.length;
        const count = members.reduce((s, m) => s + items[m].count, 0);
        items.push({ id: `${item.id}#${k}`, kind: 'group', label: `${first} … ${last}`, parent: g, children: members, count, order: items[members[0]].order, w: 0, h: 0 });
        byId.set(items[index].id, index);
        for (const m of members) items[m].parent = index;
        sections.push(index);
      }
      item.children = sections;
    }
    for (const c of item.children) if (items[c].kind === 'group') sectionize(c);
  };
  sectionize(0);
  for (const item of items) {
    if (item.kind !== 'group' || item.parent < 0) continue;
    item.sub = `${COUNT_FORMAT.format(item.count)} node${item.count === 1 ? '' : 's'}`;
    item.label = shorten(item.label, 40);
    // Group labels are bold and share the row with the expand toggle.
    Object.assign(item, sizeBox(item.label, item.sub, GROUP_HEIGHT));
    item.w = Math.min(300, Math.max(item.w, Math.ceil(textWidth(item.label) * 1.12) + 48));
  }

  // Dataflow edges between leaves.
  const producer = new Map<string, number>();
  for (const name of body.inputs) producer.set(name, byId.get(`i:${name}`)!);
  body.nodes.forEach((node, index) => {
    for (const out of node.output) if (out) producer.set(out, leafOfNode[index]);
  });
  const from: number[] = [], to: number[] = [], tensor: string[] = [];
  const link = (name: string, consumer: number): void => {
    const p = producer.get(name);
    if (p === undefined || p === consumer) return;
    from.push(p);
    to.push(consumer);
    tensor.push(name);
  };
  body.nodes.forEach((node, index) => {
    const inputs = node.input;
    for (let k = 0; k < inputs.length; k++) {
      const input = inputs[k];
      // The same tensor read twice (x * x) is one edge.
      if (input && inputs.indexOf(input) === k) link(input, leafOfNode[index]);
    }
  });
  for (const name of body.outputs) link(name, byId.get(`o:${name}`)!);
  return { body, items, byId, edgeFrom: Int32Array.from(from), edgeTo: Int32Array.from(to), edgeTensor: tensor, producer };
}

/** Group ids from the top level down to (not including) the item. */
export function ancestorsOf(s: GraphStructure, item: number): string[] {
  const out: string[] = [];
  for (let p = s.items[item].parent; p > 0; p = s.items[p].parent) out.push(s.items[p].id);
  return out.reverse();
}

/**
 * The default set of expanded groups: open groups level by level while the number of
 * drawn boxes stays under `budget`, so a big model opens to a readable top level.
 */
export function defaultExpanded(s: GraphStructure, budget = 400): string[] {
  const expanded: string[] = [];
  let visible = s.items[0].children.length;
  let level = s.items[0].children.filter((c) => s.items[c].kind === 'group');
  // Level by level, all or nothing, so sibling groups look alike.
  while (level.length) {
    const extra = level.reduce((n, g) => n + s.items[g].children.length, 0);
    // Over budget stops, except that a near-empty top level always opens one more level.
    if (visible + extra > budget && !(visible < 12 && extra <= MAX_CHILDREN)) break;
    visible += extra;
    for (const g of level) expanded.push(s.items[g].id);
    level = level.flatMap((g) => s.items[g].children.filter((c) => s.items[c].kind === 'group'));
  }
  return expanded;
}
