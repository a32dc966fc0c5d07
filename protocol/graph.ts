/**
 * The graph view's protocol, declared once: the custom LSP requests the extension sends
 * to the server (`mlHygiene/graph/*`, client -> server), the laid-out scene the server
 * returns, and the messages between the graph webview and the extension host. Imported
 * by client/src/model-editor.ts, server/src/lsp/graph-handlers.ts, server/src/graph and
 * webviews/src. Plain data only; nothing here imports vscode or an LSP library.
 */
import type { Finding } from './findings';
import type { ModelSummary, NodeSummary, TensorStats, ValueSummary } from './model';

/** Custom LSP methods of the graph view; every one is a client -> server request. */
export const GraphMethods = {
  /** Opens a model (or one of its subgraphs) and lays out its default view: GraphOpenParams -> GraphOpenResult. */
  open: 'mlHygiene/graph/open',
  /** Lays out the view for a set of expanded groups (one group at a time, in worker threads): GraphLayoutParams -> PackedScene. */
  layout: 'mlHygiene/graph/layout',
  /** One node's details: GraphNodeParams -> GraphNodeDetails. */
  node: 'mlHygiene/graph/node',
  /** Statistics and histogram of one initializer: GraphTensorStatsParams -> TensorStats. */
  tensorStats: 'mlHygiene/graph/tensorStats',
  /** Finds nodes by name, op type or tensor name: GraphSearchParams -> GraphSearchResult. */
  search: 'mlHygiene/graph/search',
  /** The MODEL rules' findings, each mapped to its node where it names one: GraphFindingsParams -> GraphFindingsResult. */
  findings: 'mlHygiene/graph/findings',
} as const;

export type GraphMethod = (typeof GraphMethods)[keyof typeof GraphMethods];

/**
 * Which graph of the model: the main graph (no steps), or a path of steps into
 * graph-valued attributes (If/Loop/Scan bodies) and local functions.
 */
export type GraphStep =
  | { kind: 'attribute'; node: number; attribute: string; index: number }
  | { kind: 'function'; domain: string; name: string; overload?: string };
export type GraphRef = GraphStep[];

export interface GraphTarget {
  /** Absolute path of the .onnx file. */
  path: string;
  graph?: GraphRef;
}

export interface GraphOpenParams extends GraphTarget {
  /** Expanded groups to restore (a reopened view); absent: the server picks a readable default. */
  expanded?: string[];
}

export interface GraphLayoutParams extends GraphTarget {
  expanded: string[];
}

export type SceneItemKind = 'op' | 'group' | 'input' | 'output';

/** One drawn box, positioned absolutely (top-left corner) in scene coordinates. */
export interface SceneNode {
  /** `n<index>` for a node of the graph, `g<scope>` for a group, `i:`/`o:` + name for graph inputs and outputs. */
  id: string;
  kind: SceneItemKind;
  label: string;
  /** Ops: the node's name ('' when it has none). */
  name?: string;
  /** Second line: a group's node count, an input's type. */
  sub?: string;
  opType?: string;
  domain?: string;
  x: number;
  y: number;
  w: number;
  h: number;
  /** Nesting depth (0 at the top level). */
  depth: number;
  /** Groups: whether this one is open (drawn as a frame around its children). */
  expanded?: boolean;
  /** Groups: how many graph nodes it holds. */
  count?: number;
  /** Nodes with If/Loop/Scan bodies or a local function's body, which the view can step into. */
  steps?: { label: string; step: GraphStep }[];
}

/** An edge between two drawn boxes; `points` is the routed polyline [x0,y0,x1,y1,...]. */
export interface SceneEdge {
  from: string;
  to: string;
  /** The tensor's name when one tensor flows, otherwise `N tensors`. */
  label: string;
  points: number[];
}

export interface GraphScene {
  nodes: SceneNode[];
  edges: SceneEdge[];
  width: number;
  height: number;
  /** Groups expanded in this scene (after the server's defaults and reveals). */
  expanded: string[];
  /** Nodes in the whole graph, drawn or not. */
  totalNodes: number;
  /** Milliseconds the server spent laying out (for the benchmark and the status line). */
  layoutMs: number;
}

/**
 * A GraphScene as it crosses the process boundaries (server -> extension host -> webview):
 * columns of numbers in base64 typed arrays and one string table, instead of an object per
 * box and edge. Every channel on the way (LSP's JSON, the webview's postMessage, the
 * tests' browser protocol) pays per value, so a 100,000-box scene travels as a dozen
 * strings. `packScene` and `unpackScene` below are the only code that reads or writes it.
 *
 * Coordinates are rounded to 1/16 px and stored as little-endian Float32 (exact below a
 * million px). String references are indices into `strings` plus one (0: field absent).
 */
export interface PackedScene {
  format: 'packed-scene/1';
  width: number;
  height: number;
  expanded: string[];
  totalNodes: number;
  layoutMs: number;
  nodeCount: number;
  edgeCount: number;
  /** The string table: every string, one after the other (one value on every channel). */
  strings: string;
  /** base64 Int32: the length of each string of `strings`, in UTF-16 code units. */
  stringLengths: string;
  /** base64 Float32, per node: x, y, w, h. */
  boxes: string;
  /**
   * base64 Int32, NODE_FIELDS per node: kind | (expanded ? 4 : 0) | depth << 3, count + 1
   * (0: none), then references to id, label, name, sub, opType, domain.
   */
  nodes: string;
  /** base64 Int32, per edge: source node index, target node index, reference to the label, end of its points. */
  edges: string;
  /** base64 Float32: every edge's polyline [x0,y0,x1,y1,...], one after the other. */
  points: string;
  /** The few nodes that can be stepped into: [node index, steps]. */
  steps: [number, NonNullable<SceneNode['steps']>][];
}

const SCENE_KINDS: readonly SceneItemKind[] = ['op', 'group', 'input', 'output'];
const NODE_FIELDS = 8;
const EDGE_FIELDS = 4;

function toBase64(bytes: Uint8Array): string {
  const buffer = (globalThis as { Buffer?: { from(b: ArrayBufferLike, offset: number, length: number): { toString(encoding: 'base64'): string } } }).Buffer;
  if (buffer) return buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
  const native = bytes as Uint8Array & { toBase64?: () => string };
  if (typeof native.toBase64 === 'function') return native.toBase64();
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

/** Decoded bytes in a fresh, aligned buffer (typed array views need their element alignment). */
function fromBase64(text: string): ArrayBuffer {
  const buffer = (globalThis as { Buffer?: { from(s: string, encoding: 'base64'): Uint8Array } }).Buffer;
  if (buffer) return new Uint8Array(buffer.from(text, 'base64')).buffer;
  const native = (Uint8Array as { fromBase64?: (s: string) => Uint8Array }).fromBase64;
  if (typeof native === 'function') return native(text).buffer as ArrayBuffer;
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes.buffer;
}

const round16 = (v: number) => Math.round(v * 16) / 16;

/** The wire form of a scene (server side). */
export function packScene(scene: GraphScene): PackedScene {
  const strings: string[] = [];
  const refs = new Map<string, number>();
  // Labels, op types and counts repeat: each is stored once. Ids, names and tensor names are (mostly) unique.
  const ref = (s: string | undefined): number => {
    if (s === undefined) return 0;
    let r = refs.get(s);
    if (r === undefined) {
      strings.push(s);
      refs.set(s, (r = strings.length));
    }
    return r;
  };
  const own = (s: string | undefined): number => (s === undefined ? 0 : strings.push(s));
  const n = scene.nodes.length;
  const boxes = new Float32Array(n * 4);
  const nodes = new Int32Array(n * NODE_FIELDS);
  const indexOf = new Map<string, number>();
  const steps: PackedScene['steps'] = [];
  for (let i = 0; i < n; i++) {
    const node = scene.nodes[i];
    indexOf.set(node.id, i);
    boxes[i * 4] = round16(node.x);
    boxes[i * 4 + 1] = round16(node.y);
    boxes[i * 4 + 2] = round16(node.w);
    boxes[i * 4 + 3] = round16(node.h);
    const o = i * NODE_FIELDS;
    nodes[o] = SCENE_KINDS.indexOf(node.kind) | (node.expanded ? 4 : 0) | (node.depth << 3);
    nodes[o + 1] = node.count === undefined ? 0 : node.count + 1;
    nodes[o + 2] = own(node.id);
    nodes[o + 3] = ref(node.label);
    nodes[o + 4] = own(node.name);
    nodes[o + 5] = ref(node.sub);
    nodes[o + 6] = ref(node.opType);
    nodes[o + 7] = ref(node.domain);
    if (node.steps) steps.push([i, node.steps]);
  }
  const m = scene.edges.length;
  const edges = new Int32Array(m * EDGE_FIELDS);
  let total = 0;
  for (const e of scene.edges) total += e.points.length;
  const points = new Float32Array(total);
  let at = 0;
  for (let i = 0; i < m; i++) {
    const e = scene.edges[i];
    const from = indexOf.get(e.from), to = indexOf.get(e.to);
    if (from === undefined || to === undefined) throw new Error(`edge ${e.from} -> ${e.to} names a box that is not in the scene`);
    for (const v of e.points) points[at++] = round16(v);
    const o = i * EDGE_FIELDS;
    edges[o] = from;
    edges[o + 1] = to;
    edges[o + 2] = own(e.label);
    edges[o + 3] = at;
  }
  const lengths = new Int32Array(strings.length);
  for (let i = 0; i < strings.length; i++) lengths[i] = strings[i].length;
  return {
    format: 'packed-scene/1',
    width: scene.width,
    height: scene.height,
    expanded: scene.expanded,
    totalNodes: scene.totalNodes,
    layoutMs: scene.layoutMs,
    nodeCount: n,
    edgeCount: m,
    strings: strings.join(''),
    stringLengths: toBase64(new Uint8Array(lengths.buffer)),
    boxes: toBase64(new Uint8Array(boxes.buffer)),
    nodes: toBase64(new Uint8Array(nodes.buffer)),
    edges: toBase64(new Uint8Array(edges.buffer)),
    points: toBase64(new Uint8Array(points.buffer)),
    steps,
  };
}

/** The scene of a packed one (webview side, and tests). Throws on a malformed one. */
export function unpackScene(p: PackedScene): GraphScene {
  if (p?.format !== 'packed-scene/1') throw new Error('not a packed scene');
  const text = p.strings;
  const lengths = new Int32Array(fromBase64(p.stringLengths));
  const strings: string[] = new Array(lengths.length);
  let at = 0;
  for (let i = 0; i < lengths.length; i++) strings[i] = text.slice(at, (at += lengths[i]));
  const boxes = new Float32Array(fromBase64(p.boxes));
  const fields = new Int32Array(fromBase64(p.nodes));
  const edgeFields = new Int32Array(fromBase64(p.edges));
  const points = new Float32Array(fromBase64(p.points));
  const n = p.nodeCount, m = p.edgeCount;
  if (typeof text !== 'string' || at !== text.length || boxes.length !== n * 4 || fields.length !== n * NODE_FIELDS || edgeFields.length !== m * EDGE_FIELDS) throw new Error('packed scene: column lengths do not match its counts');
  const str = (r: number): string | undefined => {
    if (r === 0) return undefined;
    const s = strings[r - 1];
    if (typeof s !== 'string') throw new Error(`packed scene: no string ${r}`);
    return s;
  };
  const nodes: SceneNode[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const o = i * NODE_FIELDS;
    const bits = fields[o];
    const node: SceneNode = { id: str(fields[o + 2])!, kind: SCENE_KINDS[bits & 3], label: str(fields[o + 3])!, x: boxes[i * 4], y: boxes[i * 4 + 1], w: boxes[i * 4 + 2], h: boxes[i * 4 + 3], depth: bits >>> 3 };
    const name = str(fields[o + 4]), sub = str(fields[o + 5]), opType = str(fields[o + 6]), domain = str(fields[o + 7]);
    if (name !== undefined) node.name = name;
    if (sub !== undefined) node.sub = sub;
    if (opType !== undefined) node.opType = opType;
    if (domain !== undefined) node.domain = domain;
    if (bits & 4) node.expanded = true;
    if (fields[o + 1]) node.count = fields[o + 1] - 1;
    nodes[i] = node;
  }
  for (const [i, steps] of p.steps) if (nodes[i]) nodes[i].steps = steps;
  const edges: SceneEdge[] = new Array(m);
  let start = 0;
  for (let i = 0; i < m; i++) {
    const o = i * EDGE_FIELDS;
    const a = nodes[edgeFields[o]], b = nodes[edgeFields[o + 1]], end = edgeFields[o + 3];
    if (!a || !b || end < start || end > points.length) throw new Error(`packed scene: edge ${i} is out of range`);
    const polyline: number[] = new Array(end - start);
    for (let k = start; k < end; k++) polyline[k - start] = points[k];
    edges[i] = { from: a.id, to: b.id, label: str(edgeFields[o + 2]) ?? '', points: polyline };
    start = end;
  }
  return { nodes, edges, width: p.width, height: p.height, expanded: p.expanded, totalNodes: p.totalNodes, layoutMs: p.layoutMs };
}

export interface Breadcrumb {
  label: string;
  graph: GraphRef;
}

/** Model properties shown in the details panel when nothing is selected. */
export interface ModelProperties
  extends Pick<ModelSummary, 'path' | 'fileSize' | 'irVersion' | 'opsets' | 'producer' | 'domain' | 'modelVersion' | 'docString' | 'metadata'> {
  graphName: string;
  nodeCount: number;
  initializerCount: number;
  inputs: ValueSummary[];
  outputs: ValueSummary[];
  functions: { domain: string; name: string; nodeCount: number }[];
}

export interface GraphOpenResult {
  model: ModelProperties;
  graph: GraphRef;
  breadcrumbs: Breadcrumb[];
  /** The laid-out default (or restored) view; `unpackScene` reads it. */
  scene: PackedScene;
  /** Server milliseconds spent decoding the file and grouping the graph (0 when cached). */
  timings: { decodeMs: number; structureMs: number };
}

export interface GraphNodeParams extends GraphTarget {
  /** A SceneNode id of kind `op`. */
  id: string;
}

export interface TensorLink {
  /** The producing or consuming node's scene id (`n<index>`), or `i:name` for a graph input. */
  id: string;
  label: string;
}

export interface InitializerInfo {
  name: string;
  dataType: string;
  dims: number[];
  bytes: number;
  external: boolean;
}

export interface SourceLocation {
  /** The path as the exporter wrote it (often from another machine). */
  file: string;
  line: number;
  /** The line's text from the trace, when present. */
  text?: string;
}

export interface GraphNodeDetails {
  id: string;
  node: NodeSummary;
  /** Per input (same order): where its value comes from. */
  inputFrom: ({ kind: 'node' | 'input'; link: TensorLink } | { kind: 'initializer'; initializer: InitializerInfo } | { kind: 'outer' | 'none' })[];
  /** Per output (same order): the nodes that read it. */
  outputTo: TensorLink[][];
  /** Group ids from the top level down to this node. */
  ancestors: string[];
  source?: SourceLocation;
}

export interface GraphTensorStatsParams extends GraphTarget {
  tensor: string;
}

export interface GraphSearchParams extends GraphTarget {
  query: string;
  limit?: number;
}

export interface GraphSearchMatch {
  /** Scene id of the node (or graph input/output) to reveal. */
  id: string;
  label: string;
  /** What matched: the node's name, its op type, or a tensor it reads or writes. */
  matched: 'name' | 'opType' | 'tensor';
  /** Groups to expand so that the node is drawn. */
  ancestors: string[];
}

export interface GraphSearchResult {
  matches: GraphSearchMatch[];
  /** Matches in all (may exceed `matches.length`). */
  total: number;
}

export type GraphFindingsParams = GraphTarget;

export interface GraphFinding {
  finding: Finding;
  /** The node the finding names, in the graph asked for. */
  id?: string;
  ancestors?: string[];
}

export interface GraphFindingsResult {
  findings: GraphFinding[];
}

/** Request/response types by method: the host forwards `callServer` messages through this table. */
export interface GraphRequestTypes {
  'mlHygiene/graph/open': { params: GraphOpenParams; result: GraphOpenResult };
  'mlHygiene/graph/layout': { params: GraphLayoutParams; result: PackedScene };
  'mlHygiene/graph/node': { params: GraphNodeParams; result: GraphNodeDetails };
  'mlHygiene/graph/tensorStats': { params: GraphTensorStatsParams; result: TensorStats };
  'mlHygiene/graph/search': { params: GraphSearchParams; result: GraphSearchResult };
  'mlHygiene/graph/findings': { params: GraphFindingsParams; result: GraphFindingsResult };
}

/** Per-node time of a profiled run, drawn as a heat overlay (bench feature). */
export interface ProfileOverlayNodes {
  [nodeName: string]: { ms: number; share: number };
}

/** State the webview keeps across reopening (vscode.setState). */
export interface GraphViewState {
  graph: GraphRef;
  expanded: string[];
  view?: { x: number; y: number; scale: number };
}

// ---------------------------------------------------------------------------------------
// Webview <-> extension host messages: unions keyed on `type`. Events are past tense,
// requests imperative with a `requestId`.

/**
 * The argument of the `mlHygiene.showInGraph` command, which the server's "Show in Graph"
 * CodeLens on a Python class carries (server -> client): the model and its main-graph
 * nodes whose PyTorch source metadata names that class.
 */
export interface ShowInGraphArgs {
  /** Absolute path of the .onnx file. */
  modelPath: string;
  /** Scene ids (`n<index>`) of the main graph's nodes, in graph order (capped). */
  nodeIds: string[];
  /** The class the nodes come from (for messages). */
  className: string;
  /** How many nodes matched in all (may exceed `nodeIds.length`). */
  total: number;
}

export function isShowInGraphArgs(v: unknown): v is ShowInGraphArgs {
  return isRecord(v) && typeof v.modelPath === 'string' && isStringArray(v.nodeIds) && typeof v.className === 'string' && typeof v.total === 'number';
}

/** Extension host -> webview. */
export type HostToWebviewMessage =
  | { type: 'init'; path: string; fileName: string; state?: GraphViewState }
  /** Select and centre the first of these main-graph nodes (expanding its groups) and highlight them all. */
  | { type: 'revealNodes'; ids: string[] }
  | { type: 'serverResult'; requestId: number; result?: unknown; error?: string }
  | { type: 'profileOverlay'; nodes: ProfileOverlayNodes }
  | { type: 'exportSaved'; requestId: number; path?: string; error?: string };

/** Webview -> extension host. */
export type WebviewToHostMessage =
  | { type: 'ready' }
  | { type: 'callServer'; requestId: number; method: GraphMethod; params: unknown }
  | { type: 'saveExport'; requestId: number; format: 'svg' | 'png'; fileName: string; /** SVG text, or a PNG as base64. */ data: string }
  | { type: 'openSource'; file: string; line: number }
  | { type: 'didChangeState'; state: GraphViewState };

const GRAPH_METHODS: ReadonlySet<string> = new Set(Object.values(GraphMethods));

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isStringArray(v: unknown): v is string[] {
  return Array.isArray(v) && v.every((x) => typeof x === 'string');
}

/** Validates a message from the webview (the host trusts nothing that crosses). */
export function isWebviewToHostMessage(m: unknown): m is WebviewToHostMessage {
  if (!isRecord(m)) return false;
  switch (m.type) {
    case 'ready':
      return true;
    case 'callServer':
      return typeof m.requestId === 'number' && typeof m.method === 'string' && GRAPH_METHODS.has(m.method) && isRecord(m.params);
    case 'saveExport':
      return typeof m.requestId === 'number' && (m.format === 'svg' || m.format === 'png') && typeof m.fileName === 'string' && typeof m.data === 'string';
    case 'openSource':
      return typeof m.file === 'string' && typeof m.line === 'number';
    case 'didChangeState':
      return isRecord(m.state) && Array.isArray(m.state.graph) && Array.isArray(m.state.expanded);
    default:
      return false;
  }
}

/** Validates a message from the host. */
export function isHostToWebviewMessage(m: unknown): m is HostToWebviewMessage {
  if (!isRecord(m)) return false;
  switch (m.type) {
    case 'init':
      return typeof m.path === 'string' && typeof m.fileName === 'string';
    case 'serverResult':
    case 'exportSaved':
      return typeof m.requestId === 'number';
    case 'profileOverlay':
      return isRecord(m.nodes);
    case 'revealNodes':
      return isStringArray(m.ids);
    default:
      return false;
  }
}

/** Stable key of a graph reference (cache keys, state). */
export function graphRefKey(ref: GraphRef | undefined): string {
  return (ref ?? []).map((s) => (s.kind === 'attribute' ? `${s.node}.${s.attribute}.${s.index}` : `f:${s.domain}:${s.name}:${s.overload ?? ''}`)).join('/');
}
