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
  /** Graph inputs that are initializers too (the IR < 4 convention): left out of `inputs`. */
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

/**
 * Scene id -> item index. Ops (`n<index>`, most of the items) are found through the graph's
 * node order, without a map entry each: on a 100,000-node graph a string-keyed entry for
 * each of its 137,000 items was about a tenth of the grouping's time.
 */
export class ItemIds {
  private readonly named = new Map<string, number>();

  constructor(private readonly leafOfNode: Int32Array) {}

  /** The node index of an op id (`n` and a decimal without leading zeros), or -1. */
  private nodeIndex(id: string): number {
    if (id.length < 2 || id.length > 11 || id.charCodeAt(0) !== 110 /* n */) return -1;
    if (id.charCodeAt(1) === 48 /* 0 */ && id.length > 2) return -1;
    let index = 0;
    for (let i = 1; i < id.length; i++) {
      const d = id.charCodeAt(i) - 48;
      if (d < 0 || d > 9) return -1;
      index = index * 10 + d;
    }
    return index < this.leafOfNode.length ? index : -1;
  }

  get(id: string): number | undefined {
    const node = this.nodeIndex(id);
    return node >= 0 ? this.leafOfNode[node] : this.named.get(id);
  }

  has(id: string): boolean {
    return this.get(id) !== undefined;
  }

  /** Groups, inputs and outputs (op ids are fixed by the node order). */
  set(id: string, item: number): void {
    this.named.set(id, item);
  }

  delete(id: string): boolean {
    return this.named.delete(id);
  }
}

export interface GraphStructure {
  body: GraphBody;
  items: Item[];
  /** Scene id -> item index. */
  byId: ItemIds;
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

/** Op box sizes by op type: a graph has a few dozen op types and up to millions of nodes. */
const opSizes = new Map<string, { w: number; h: number }>();
function sizeOp(opType: string): { w: number; h: number } {
  let size = opSizes.get(opType);
  if (!size) opSizes.set(opType, (size = { w: Math.max(56, Math.min(220, textWidth(opType) + 24)), h: OP_HEIGHT }));
  return size;
}

function sizeBox(label: string, sub: string, h: number): { w: number; h: number } {
  return { w: Math.max(90, Math.min(280, Math.max(textWidth(label), textWidth(sub)) + 28)), h };
}

/** Children of every leaf (ops, inputs, outputs): one shared, frozen empty list. */
const NO_CHILDREN: number[] = Object.freeze([]) as unknown as number[];

/**
 * Every item is made here, with all fields in one order, so that the loops over items
 * (here, in the layout and in the service) see one object shape.
 */
function makeItem(id: string, kind: ItemKind, label: string, sub: string | undefined, parent: number, children: number[], count: number, order: number, node: number | undefined, w: number, h: number): Item {
  return { id, kind, label, sub, parent, children, count, order, node, w, h };
}

export function buildStructure(body: GraphBody): GraphStructure {
  const nodes = body.nodes;
  const items: Item[] = [makeItem('g', 'group', body.name || 'graph', undefined, -1, [], 0, -1, undefined, 0, 0)];
  const leafOfNode = new Int32Array(nodes.length);
  const byId = new ItemIds(leafOfNode);
  byId.set('g', 0);
  const groupOf = new Map<string, number>([['', 0]]);
  // Parents, counts and orders of the items as they are made, for the bottom-up pass below.
  const parentOf: number[] = [-1], count: number[] = [0], order: number[] = [-1], inputs: boolean[] = [false], groups: number[] = [0], group: boolean[] = [true];
  const add = (item: Item): number => {
    const index = items.length;
    items.push(item);
    if (item.kind !== 'op') byId.set(item.id, index);
    if (item.parent >= 0) items[item.parent].children.push(index);
    parentOf.push(item.parent);
    count.push(item.count);
    order.push(item.order);
    inputs.push(item.kind === 'input');
    group.push(item.kind === 'group');
    if (item.kind === 'group') groups.push(index);
    return index;
  };
  for (const name of body.inputs) {
    const sub = 'input';
    const box = sizeBox(shorten(name), sub, IO_HEIGHT);
    add(makeItem(`i:${name}`, 'input', shorten(name), sub, 0, NO_CHILDREN, 0, -1, undefined, box.w, box.h));
  }
  // The previous node's scope prefix and group: consecutive nodes mostly share a scope.
  let lastPrefix = '';
  let lastParent = 0;
  for (let index = 0; index < nodes.length; index++) {
    const node = nodes[index];
    const name = node.name;
    // Nodes of one scope share the name's prefix: one lookup per node, the walk only for a new prefix.
    const slash = name.lastIndexOf('/');
    let parent: number | undefined;
    if (slash > 0 && slash === lastPrefix.length && name.startsWith(lastPrefix)) parent = lastParent;
    else if (slash <= 0) parent = 0;
    const prefix = parent === undefined ? name.slice(0, slash) : slash > 0 ? lastPrefix : '';
    parent ??= groupOf.get(prefix);
    if (parent === undefined) {
      parent = 0;
      let key = '';
      for (const scope of scopesOf(name)) {
        key += `/${scope}`;
        let g = groupOf.get(key);
        if (g === undefined) {
          g = add(makeItem(`g${key}`, 'group', scope, undefined, parent, [], 0, index, undefined, 0, 0));
          groupOf.set(key, g);
        }
        parent = g;
      }
      groupOf.set(prefix, parent);
    }
    if (slash > 0) {
      lastPrefix = prefix;
      lastParent = parent;
    }
    const size = sizeOp(node.opType);
    leafOfNode[index] = add(makeItem(`n${index}`, 'op', node.opType, undefined, parent, NO_CHILDREN, 1, index, index, size.w, size.h));
  }
  for (const name of body.outputs) {
    const sub = 'output';
    const box = sizeBox(shorten(name), sub, IO_HEIGHT);
    add(makeItem(`o:${name}`, 'output', shorten(name), sub, 0, NO_CHILDREN, 0, Number.MAX_SAFE_INTEGER, undefined, box.w, box.h));
  }

  // Counts and orders, bottom-up (children always come after their parent in `items`), in
  // flat arrays: a pass over 137,000 item objects scattered in the heap costs more than this.
  for (let i = items.length - 1; i > 0; i--) {
    const p = parentOf[i];
    count[p] += count[i];
    if (!inputs[i] && (order[p] < 0 || order[i] < order[p])) order[p] = order[i];
  }
  for (const g of groups) {
    items[g].count = count[g];
    items[g].order = order[g];
  }
  // The passes below read the flat arrays and the groups' objects only: a graph's items are
  // mostly ops, whose objects lie scattered in the heap, and a read of each costs more than
  // the rest of the pass.
  const isGroup = (item: number): boolean => group[item];
  // A group with a single child is replaced by that child.
  const hoist = (g: number): void => {
    const item = items[g];
    item.children = item.children.map((c) => {
      let child = c;
      while (isGroup(child) && items[child].children.length === 1) {
        byId.delete(items[child].id);
        child = items[child].children[0];
      }
      if (child !== c) items[child].parent = g;
      return child;
    });
    for (const c of item.children) if (isGroup(c)) hoist(c);
  };
  hoist(0);
  // Children in graph order; big groups cut into sections.
  const sectionize = (g: number): void => {
    const item = items[g];
    item.children.sort((a, b) => order[a] - order[b]);
    while (item.children.length > MAX_CHILDREN) {
      const n = item.children.length;
      const size = Math.ceil(n / Math.ceil(n / MAX_CHILDREN));
      const sections: number[] = [];
      for (let start = 0, k = 1; start < n; start += size, k++) {
        const members = item.children.slice(start, start + size);
        const first = items[members[0]].label, last = items[members[members.length - 1]].label;
        const index = items.length;
        const total = members.reduce((sum, m) => sum + count[m], 0);
        items.push(makeItem(`${item.id}#${k}`, 'group', `${first} … ${last}`, undefined, g, members, total, order[members[0]], undefined, 0, 0));
        byId.set(items[index].id, index);
        count.push(total);
        order.push(order[members[0]]);
        groups.push(index);
        group.push(true);
        for (const m of members) items[m].parent = index;
        sections.push(index);
      }
      item.children = sections;
    }
    for (const c of item.children) if (isGroup(c)) sectionize(c);
  };
  sectionize(0);
  // Groups of one size (the layers of a model) share their count's text.
  const subs = new Map<number, string>();
  for (const g of groups) {
    const item = items[g];
    if (item.parent < 0) continue;
    let sub = subs.get(item.count);
    if (sub === undefined) subs.set(item.count, (sub = `${COUNT_FORMAT.format(item.count)} node${item.count === 1 ? '' : 's'}`));
    item.sub = sub;
    item.label = shorten(item.label, 40);
    // Group labels are bold and share the row with the expand toggle.
    const box = sizeBox(item.label, item.sub, GROUP_HEIGHT);
    item.w = Math.min(300, Math.max(box.w, Math.ceil(textWidth(item.label) * 1.12) + 48));
    item.h = box.h;
  }

  // Dataflow edges between leaves.
  const producer = new Map<string, number>();
  for (const name of body.inputs) producer.set(name, byId.get(`i:${name}`)!);
  for (let index = 0; index < nodes.length; index++) {
    const outputs = nodes[index].output;
    for (let k = 0; k < outputs.length; k++) if (outputs[k]) producer.set(outputs[k], leafOfNode[index]);
  }
  // Sized for one edge per input; trimmed at the end.
  let edges = 0;
  for (let index = 0; index < nodes.length; index++) edges += nodes[index].input.length;
  edges += body.outputs.length;
  const from = new Int32Array(edges), to = new Int32Array(edges);
  const tensor: string[] = [];
  let e = 0;
  const link = (name: string, consumer: number): void => {
    const p = producer.get(name);
    if (p === undefined || p === consumer) return;
    from[e] = p;
    to[e] = consumer;
    tensor.push(name);
    e++;
  };
  for (let index = 0; index < nodes.length; index++) {
    const inputs = nodes[index].input;
    for (let k = 0; k < inputs.length; k++) {
      const input = inputs[k];
      // The same tensor read twice (x * x) is one edge.
      if (input && inputs.indexOf(input) === k) link(input, leafOfNode[index]);
    }
  }
  for (const name of body.outputs) link(name, byId.get(`o:${name}`)!);
  return { body, items, byId, edgeFrom: from.slice(0, e), edgeTo: to.slice(0, e), edgeTensor: tensor, producer };
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
