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
  /** Lays out the view for a set of expanded groups (one group at a time, in worker threads): GraphLayoutParams -> GraphScene. */
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
  scene: GraphScene;
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
  'mlHygiene/graph/layout': { params: GraphLayoutParams; result: GraphScene };
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
