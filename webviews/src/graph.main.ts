/**
 * The graph webview: renders the scene the language server laid out, and asks for more
 * (expand/collapse, details, search, statistics) through the extension host with typed
 * messages (protocol/graph.ts). Holds no decoding or layout logic.
 */
import './graph.css';
import {
  GraphMethods,
  isHostToWebviewMessage,
  type Breadcrumb,
  type GraphFinding,
  type GraphOpenResult,
  type GraphRef,
  type GraphRequestTypes,
  type GraphScene,
  type GraphStep,
  type GraphViewState,
  type ModelProperties,
  type PackedScene,
  type ProfileOverlayNodes,
  type SceneNode,
  type WebviewToHostMessage,
  unpackScene,
} from '../../protocol/graph';
import { groupDetails, modelDetails, nodeDetails, type DetailsActions } from './graph/details';
import { h } from './graph/dom';
import { sceneToPngBase64, sceneToSvg } from './graph/export';
import { drawScene, hitsFrameHeader, hitsToggle, SceneIndex, type DrawStats, type View } from './graph/render';
import { readTheme, type Theme } from './graph/theme';

interface VsCodeApi {
  postMessage(message: WebviewToHostMessage): void;
  getState(): GraphViewState | undefined;
  setState(state: GraphViewState): void;
}
declare function acquireVsCodeApi(): VsCodeApi;
const vscode = acquireVsCodeApi();

// ---- messaging ------------------------------------------------------------------------
let nextRequest = 1;
const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
function call<M extends keyof GraphRequestTypes>(method: M, params: GraphRequestTypes[M]['params']): Promise<GraphRequestTypes[M]['result']> {
  const requestId = nextRequest++;
  return new Promise((resolve, reject) => {
    pending.set(requestId, { resolve: resolve as (v: unknown) => void, reject });
    vscode.postMessage({ type: 'callServer', requestId, method, params });
  });
}

// ---- DOM ------------------------------------------------------------------------------
const crumbs = h('nav', { class: 'crumbs' });
const searchInput = h('input', { class: 'search', type: 'search', title: 'Search by node name, op type or tensor name (Enter: next, Shift+Enter: previous)' });
searchInput.placeholder = 'Search nodes, ops, tensors';
const searchCount = h('span', { class: 'search-count muted' });
/** A toolbar button: a codicon, and a short label unless the icon says it all. */
const button = (icon: string, label: string, title: string, onclick: () => void) =>
  h('button', { class: label ? 'tool' : 'tool icon-only', title, onclick }, h('span', { class: `codicon codicon-${icon}` }), ...(label ? [label] : []));
const toolbar = h(
  'header',
  { class: 'toolbar' },
  crumbs,
  h('div', { class: 'spacer' }),
  searchInput,
  button('arrow-up', '', 'Previous match', () => stepMatch(-1)),
  button('arrow-down', '', 'Next match', () => stepMatch(1)),
  searchCount,
  button('screen-full', 'Fit', 'Fit the graph to the view (F)', () => fit()),
  button('collapse-all', 'Collapse', 'Collapse all groups', () => void setExpanded([])),
  button('file-media', 'SVG', 'Export the view as SVG', () => exportAs('svg')),
  button('device-camera', 'PNG', 'Export the view as PNG', () => exportAs('png')),
  button('info', 'Model', 'Model properties and findings', () => select(undefined)),
);
const canvas = h('canvas', { class: 'graph' });
canvas.tabIndex = 0;
const minimap = h('canvas', { class: 'minimap', title: 'Overview: click or drag to move' });
const stage = h('div', { class: 'stage' }, canvas, minimap);
const details = h('aside', { class: 'details' });
const status = h('footer', { class: 'status muted' });
const errorBox = h('div', { class: 'error-view' });
errorBox.hidden = true;
document.body.append(toolbar, h('main', {}, stage, details), status, errorBox);
document.body.dataset.state = 'loading';

// ---- state ----------------------------------------------------------------------------
let path = '';
let theme: Theme = readTheme();
let model: ModelProperties | undefined;
let findings: GraphFinding[] | undefined;
let graphRef: GraphRef = [];
let index: SceneIndex | undefined;
let view: View = { x: 0, y: 0, scale: 1 };
let selected: string | undefined;
let highlighted = new Set<string>();
let profile: ProfileOverlayNodes | undefined;
let matches: { id: string; ancestors: string[] }[] = [];
let matchIndex = -1;
let lastStats: DrawStats = { nodes: 0, edges: 0, ms: 0 };
const frameTimes: number[] = [];

function saveState(): void {
  if (!index) return;
  const state: GraphViewState = { graph: graphRef, expanded: index.scene.expanded, view: { ...view } };
  vscode.setState(state);
  vscode.postMessage({ type: 'didChangeState', state });
}

// ---- drawing --------------------------------------------------------------------------
let frameRequested = false;
function size(): { width: number; height: number } {
  return { width: stage.clientWidth, height: stage.clientHeight };
}
function requestDraw(): void {
  if (frameRequested) return;
  frameRequested = true;
  requestAnimationFrame(() => {
    frameRequested = false;
    draw();
  });
}
function draw(): void {
  const { width, height } = size();
  const ratio = window.devicePixelRatio || 1;
  if (canvas.width !== Math.round(width * ratio) || canvas.height !== Math.round(height * ratio)) {
    canvas.width = Math.round(width * ratio);
    canvas.height = Math.round(height * ratio);
    canvas.style.width = `${width}px`;
    canvas.style.height = `${height}px`;
  }
  const ctx = canvas.getContext('2d')!;
  if (!index) {
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    return;
  }
  lastStats = cachedDraw(ctx, width, height, ratio) ?? drawScene({ ctx, width, height, ratio }, index, view, theme, { selected, highlighted, profile });
  frameTimes.push(lastStats.ms);
  if (frameTimes.length > 600) frameTimes.shift();
  document.body.dataset.drawnNodes = String(lastStats.nodes);
  document.body.dataset.drawnEdges = String(lastStats.edges);
  document.body.dataset.sceneNodes = String(index.scene.nodes.length);
  drawMinimap();
}

/**
 * Zoomed out over a big scene, the whole scene is drawn once into a bitmap at the current
 * scale and panning only moves that bitmap; zooming or any change of what is marked redraws it.
 */
let bitmap: { index: SceneIndex; scale: number; marks: unknown[]; canvas: HTMLCanvasElement; stats: DrawStats } | undefined;
const BITMAP_MIN_NODES = 2000;
const BITMAP_MAX_SIDE = 4096;
function cachedDraw(ctx: CanvasRenderingContext2D, width: number, height: number, ratio: number): DrawStats | undefined {
  if (!index || index.scene.nodes.length < BITMAP_MIN_NODES) return undefined;
  const s = index.scene;
  const w = Math.ceil((s.width * view.scale + 16) * ratio), hgt = Math.ceil((s.height * view.scale + 16) * ratio);
  if (w > BITMAP_MAX_SIDE || hgt > BITMAP_MAX_SIDE) return undefined;
  const start = performance.now();
  const marks = [selected, highlighted, profile, theme];
  if (!bitmap || bitmap.index !== index || bitmap.scale !== view.scale || marks.some((m, i) => m !== bitmap!.marks[i])) {
    const canvas = bitmap?.canvas ?? document.createElement('canvas');
    canvas.width = w;
    canvas.height = hgt;
    const stats = drawScene({ ctx: canvas.getContext('2d')!, width: w / ratio, height: hgt / ratio, ratio }, index, { x: 8, y: 8, scale: view.scale }, theme, { selected, highlighted, profile });
    bitmap = { index, scale: view.scale, marks, canvas, stats };
  }
  ctx.setTransform(1, 0, 0, 1, 0, 0);
  ctx.fillStyle = theme.background;
  ctx.fillRect(0, 0, width * ratio, height * ratio);
  ctx.drawImage(bitmap.canvas, Math.round((view.x - 8) * ratio), Math.round((view.y - 8) * ratio));
  // The bitmap's labels, moved to where the bitmap is drawn and kept to those in view.
  const dx = view.x - 8, dy = view.y - 8;
  const labels = bitmap.stats.labels
    ?.map((l) => ({ ...l, x: l.x + dx, y: l.y + dy }))
    .filter((l) => l.x + l.w > 0 && l.y + l.h > 0 && l.x < width && l.y < height);
  return { nodes: bitmap.stats.nodes, edges: bitmap.stats.edges, ms: performance.now() - start, ...(labels ? { labels } : {}) };
}

let minimapImage: { key: SceneIndex; canvas: HTMLCanvasElement; scale: number } | undefined;
function drawMinimap(): void {
  if (!index) return;
  const W = 180, H = 140;
  const ratio = window.devicePixelRatio || 1;
  if (minimap.width !== W * ratio) {
    minimap.width = W * ratio;
    minimap.height = H * ratio;
    minimap.style.width = `${W}px`;
    minimap.style.height = `${H}px`;
  }
  const scale = Math.min((W - 8) / Math.max(1, index.scene.width), (H - 8) / Math.max(1, index.scene.height));
  if (minimapImage?.key !== index) {
    const off = document.createElement('canvas');
    off.width = W * ratio;
    off.height = H * ratio;
    drawScene({ ctx: off.getContext('2d')!, width: W, height: H, ratio }, index, { x: 4, y: 4, scale }, theme, { highlighted: new Set() });
    minimapImage = { key: index, canvas: off, scale };
  }
  const ctx = minimap.getContext('2d')!;
  ctx.setTransform(1, 0, 0, 1, 0, 0);
  ctx.drawImage(minimapImage.canvas, 0, 0);
  const { width, height } = size();
  ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
  ctx.strokeStyle = theme.focus;
  ctx.lineWidth = 1.5;
  ctx.strokeRect(4 + (-view.x / view.scale) * scale, 4 + (-view.y / view.scale) * scale, (width / view.scale) * scale, (height / view.scale) * scale);
}

function fit(): void {
  if (!index) return;
  const { width, height } = size();
  const s = index.scene;
  const scale = Math.min(1.25, (width - 40) / Math.max(1, s.width), (height - 40) / Math.max(1, s.height));
  view = { scale, x: (width - s.width * scale) / 2, y: (height - s.height * scale) / 2 };
  requestDraw();
  saveState();
}

/** A readable first view: fit when that keeps labels legible, else 100% at the top. */
function initialView(): void {
  if (!index) return;
  const { width, height } = size();
  const s = index.scene;
  const fitScale = Math.min(1.25, (width - 40) / Math.max(1, s.width), (height - 40) / Math.max(1, s.height));
  if (fitScale >= 0.6) return fit();
  const scale = 1;
  // Centred when it fits across; else the first box (an input) in the middle.
  view = { scale, x: (width - s.width * scale) / 2, y: 20 };
  const first = s.nodes[0];
  if (first && s.width * scale > width - 40) view.x = width / 2 - (first.x + first.w / 2) * scale;
  requestDraw();
}

function centerOn(n: SceneNode): void {
  const { width, height } = size();
  const scale = Math.max(view.scale, 0.8);
  view = { scale, x: width / 2 - (n.x + n.w / 2) * scale, y: height / 2 - (n.y + n.h / 2) * scale };
  requestDraw();
  saveState();
}

/** Takes a scene as it arrives (packed: see protocol/graph.ts) and indexes it for drawing and hit tests. */
function setScene(packed: PackedScene): void {
  const start = performance.now();
  const scene: GraphScene = unpackScene(packed);
  index = new SceneIndex(scene);
  // For the benchmark: what receiving a scene costs the page, transfer aside.
  document.body.dataset.sceneMs = (performance.now() - start).toFixed(1);
  const groups = scene.nodes.filter((n) => n.kind === 'group' && !n.expanded).length;
  status.textContent = `${scene.totalNodes.toLocaleString('en-US')} nodes · ${scene.nodes.length.toLocaleString('en-US')} drawn${groups ? ` (${groups} collapsed groups)` : ''} · layout ${scene.layoutMs} ms · drag to pan, Ctrl+wheel to zoom, double-click a group to open it`;
  if (selected && !index.byId.has(selected)) selected = undefined;
  requestDraw();
}

// ---- server calls -----------------------------------------------------------------------
function showError(message: string): void {
  errorBox.replaceChildren(h('h2', {}, 'This model cannot be shown'), h('pre', {}, message));
  errorBox.hidden = false;
  document.body.dataset.state = 'error';
}

async function open(ref: GraphRef, expanded?: string[], restoreView?: View): Promise<void> {
  document.body.dataset.state = 'loading';
  let result: GraphOpenResult;
  try {
    result = await call(GraphMethods.open, { path, graph: ref, ...(expanded ? { expanded } : {}) });
  } catch (e) {
    showError((e as Error).message);
    return;
  }
  errorBox.hidden = true;
  graphRef = result.graph;
  model = result.model;
  selected = undefined;
  highlighted = new Set();
  matches = [];
  searchCount.textContent = '';
  renderCrumbs(result.breadcrumbs);
  setScene(result.scene);
  if (restoreView) {
    view = restoreView;
    requestDraw();
  } else initialView();
  showModel();
  saveState();
  requestAnimationFrame(() => {
    document.body.dataset.state = 'ready';
    document.body.dataset.firstPaint = String(performance.now());
  });
  if (!findings)
    call(GraphMethods.findings, { path }).then(
      (r) => {
        findings = r.findings;
        if (!selected) showModel();
      },
      () => (findings = []),
    );
}

async function setExpanded(expanded: string[]): Promise<void> {
  if (!index) return;
  document.body.dataset.state = 'loading';
  try {
    setScene(await call(GraphMethods.layout, { path, graph: graphRef, expanded }));
    saveState();
  } catch (e) {
    status.textContent = `Layout failed: ${(e as Error).message}`;
  }
  document.body.dataset.state = 'ready';
}

async function toggleGroup(id: string): Promise<void> {
  if (!index) return;
  const node = index.byId.get(id);
  const current = new Set(index.scene.expanded);
  if (node?.expanded) {
    // Collapse it and everything inside.
    for (const e of [...current]) if (e === id || e.startsWith(`${id}/`) || e.startsWith(`${id}#`)) current.delete(e);
  } else current.add(id);
  const anchor = node ? { x: node.x * view.scale + view.x, y: node.y * view.scale + view.y } : undefined;
  await setExpanded([...current]);
  // Keep the toggled group where it was on screen.
  const after = index.byId.get(id);
  if (anchor && after) {
    view.x = anchor.x - after.x * view.scale;
    view.y = anchor.y - after.y * view.scale;
    requestDraw();
  }
  select(id);
}

async function reveal(id: string, ancestors?: string[]): Promise<void> {
  if (!index) return;
  if (!index.byId.has(id) || ancestors?.some((a) => !index!.scene.expanded.includes(a))) {
    let need = ancestors;
    if (!need && id.startsWith('n')) need = (await call(GraphMethods.node, { path, graph: graphRef, id })).ancestors;
    await setExpanded([...new Set([...index.scene.expanded, ...(need ?? [])])]);
  }
  const n = index.byId.get(id);
  if (!n) return;
  centerOn(n);
  select(id);
}

/** The first open of the view (from `init`); a `revealNodes` waits for it. */
let opened: Promise<void> = Promise.resolve();

/** Show in Graph: the main graph's nodes of a source class; the first is selected and centred, all are highlighted. */
async function revealNodes(ids: string[]): Promise<void> {
  await opened;
  if (!index || !ids.length) return;
  try {
    if (graphRef.length) await open([]);
    await reveal(ids[0]);
  } catch (e) {
    status.textContent = `Cannot show the node: ${(e as Error).message}`;
    return;
  }
  highlighted = new Set(ids);
  requestDraw();
}

function renderCrumbs(list: Breadcrumb[]): void {
  crumbs.replaceChildren(
    ...list.flatMap((c, i) => {
      const last = i === list.length - 1;
      const el = h('a', { class: last ? 'crumb current' : 'crumb link', onclick: last ? undefined : () => void open(c.graph) }, c.label);
      return i ? [h('span', { class: 'sep' }, '›'), el] : [el];
    }),
  );
}

// ---- details --------------------------------------------------------------------------
const actions: DetailsActions = {
  reveal: (id, ancestors) => void reveal(id, ancestors),
  highlightTensor: (name) => {
    if (!index) return;
    const ids = new Set<string>();
    for (const e of index.scene.edges) if (e.label === name) (ids.add(e.from), ids.add(e.to));
    highlighted = ids;
    requestDraw();
  },
  stepInto: (step: GraphStep) => void open([...graphRef, step]),
  toggleGroup: (id) => void toggleGroup(id),
  tensorStats: (tensor) => call(GraphMethods.tensorStats, { path, graph: graphRef, tensor }),
  openSource: (file, line) => vscode.postMessage({ type: 'openSource', file, line }),
};

function showModel(): void {
  if (model) details.replaceChildren(modelDetails(model, findings, actions));
}

let detailsRequest = 0;
function select(id: string | undefined): void {
  selected = id;
  requestDraw();
  document.body.dataset.selected = id ?? '';
  if (!id || !index) return showModel();
  const n = index.byId.get(id);
  if (!n) return showModel();
  if (n.kind === 'group') return void details.replaceChildren(groupDetails(n, actions));
  if (n.kind !== 'op') {
    const v = [...(model?.inputs ?? []), ...(model?.outputs ?? [])].find((x) => x.name === id.slice(2));
    details.replaceChildren(h('div', { class: 'details-io', dataset: { nodeId: id } }, h('h2', {}, n.kind === 'input' ? 'Graph input' : 'Graph output'), h('div', { class: 'node-name' }, id.slice(2)), h('code', {}, v?.type?.text ?? '')));
    return;
  }
  const ticket = ++detailsRequest;
  details.replaceChildren(h('div', { class: 'muted' }, 'Loading…'));
  call(GraphMethods.node, { path, graph: graphRef, id }).then(
    (d) => {
      if (ticket === detailsRequest) details.replaceChildren(nodeDetails(d, index?.byId.get(id), actions));
    },
    (e: Error) => {
      if (ticket === detailsRequest) details.replaceChildren(h('div', { class: 'error-text' }, e.message));
    },
  );
}

// ---- search ---------------------------------------------------------------------------
let searchTimer: ReturnType<typeof setTimeout> | undefined;
let lastQuery = '';
async function runSearch(): Promise<void> {
  const query = searchInput.value.trim();
  lastQuery = query;
  if (!query) {
    matches = [];
    highlighted = new Set();
    searchCount.textContent = '';
    requestDraw();
    return;
  }
  const r = await call(GraphMethods.search, { path, graph: graphRef, query, limit: 500 });
  if (query !== lastQuery) return;
  matches = r.matches;
  matchIndex = -1;
  highlighted = new Set(matches.map((m) => m.id));
  searchCount.textContent = r.total ? `${r.total}` : 'no match';
  document.body.dataset.searchMatches = String(r.total);
  requestDraw();
  if (matches.length) stepMatch(1);
}
function stepMatch(delta: number): void {
  if (!matches.length) return;
  matchIndex = (matchIndex + delta + matches.length) % matches.length;
  const m = matches[matchIndex];
  searchCount.textContent = `${matchIndex + 1} / ${matches.length}`;
  void reveal(m.id, m.ancestors);
}
searchInput.addEventListener('input', () => {
  clearTimeout(searchTimer);
  searchTimer = setTimeout(() => void runSearch(), 250);
});
searchInput.addEventListener('keydown', (e) => {
  if (e.key !== 'Enter') return;
  clearTimeout(searchTimer);
  if (searchInput.value.trim() !== lastQuery) void runSearch();
  else stepMatch(e.shiftKey ? -1 : 1);
});

// ---- export ---------------------------------------------------------------------------
function exportAs(format: 'svg' | 'png'): void {
  if (!index) return;
  const base = path.split(/[\\/]/).pop()?.replace(/\.onnx$/i, '') ?? 'graph';
  const data = format === 'svg' ? sceneToSvg(index, theme) : sceneToPngBase64(index, theme, { highlighted: new Set() });
  vscode.postMessage({ type: 'saveExport', requestId: nextRequest++, format, fileName: `${base}.${format}`, data });
}

// ---- input ----------------------------------------------------------------------------
function toScene(e: { clientX: number; clientY: number }): { x: number; y: number } {
  const r = canvas.getBoundingClientRect();
  return { x: (e.clientX - r.left - view.x) / view.scale, y: (e.clientY - r.top - view.y) / view.scale };
}
let drag: { x: number; y: number; vx: number; vy: number; moved: boolean } | undefined;
canvas.addEventListener('pointerdown', (e) => {
  canvas.setPointerCapture(e.pointerId);
  drag = { x: e.clientX, y: e.clientY, vx: view.x, vy: view.y, moved: false };
});
canvas.addEventListener('pointermove', (e) => {
  if (!drag) return;
  const dx = e.clientX - drag.x, dy = e.clientY - drag.y;
  if (!drag.moved && Math.hypot(dx, dy) < 4) return;
  drag.moved = true;
  view.x = drag.vx + dx;
  view.y = drag.vy + dy;
  requestDraw();
});
canvas.addEventListener('pointerup', (e) => {
  const d = drag;
  drag = undefined;
  if (!d) return;
  if (d.moved) return saveState();
  if (!index) return;
  const p = toScene(e);
  const n = index.hit(p.x, p.y);
  if (n && (hitsToggle(n, p.x, p.y) || (n.expanded && hitsFrameHeader(n, p.y) && p.x >= n.x + n.w - 22))) void toggleGroup(n.id);
  else select(n?.id);
});
canvas.addEventListener('dblclick', (e) => {
  if (!index) return;
  const p = toScene(e);
  const n = index.hit(p.x, p.y);
  if (!n) return;
  if (n.kind === 'group' && (!n.expanded || hitsFrameHeader(n, p.y))) void toggleGroup(n.id);
  else if (n.kind === 'op' && n.steps?.length) actions.stepInto(n.steps[0].step);
});
function zoomAt(factor: number, sx: number, sy: number): void {
  const scale = Math.max(0.01, Math.min(4, view.scale * factor));
  const f = scale / view.scale;
  view = { scale, x: sx - (sx - view.x) * f, y: sy - (sy - view.y) * f };
  requestDraw();
}
canvas.addEventListener(
  'wheel',
  (e) => {
    e.preventDefault();
    if (e.ctrlKey || e.metaKey) {
      const r = canvas.getBoundingClientRect();
      zoomAt(Math.exp(-e.deltaY * 0.002), e.clientX - r.left, e.clientY - r.top);
    } else {
      view.x -= e.shiftKey ? e.deltaY : e.deltaX;
      view.y -= e.shiftKey ? 0 : e.deltaY;
      requestDraw();
    }
  },
  { passive: false },
);
window.addEventListener('keydown', (e) => {
  if (e.target === searchInput) return;
  const { width, height } = size();
  if ((e.ctrlKey || e.metaKey) && e.key === 'f') {
    e.preventDefault();
    searchInput.focus();
  } else if (e.key === 'f' || e.key === 'F') fit();
  else if (e.key === '+' || e.key === '=') zoomAt(1.25, width / 2, height / 2);
  else if (e.key === '-') zoomAt(0.8, width / 2, height / 2);
  else if (e.key === 'Escape') select(undefined);
  else if (e.key === 'Backspace' && graphRef.length) void open(graphRef.slice(0, -1));
});
function minimapMove(e: PointerEvent): void {
  if (!index || !minimapImage) return;
  const r = minimap.getBoundingClientRect();
  const sx = (e.clientX - r.left - 4) / minimapImage.scale, sy = (e.clientY - r.top - 4) / minimapImage.scale;
  const { width, height } = size();
  view.x = width / 2 - sx * view.scale;
  view.y = height / 2 - sy * view.scale;
  requestDraw();
}
minimap.addEventListener('pointerdown', (e) => {
  minimap.setPointerCapture(e.pointerId);
  minimapMove(e);
  const move = (ev: PointerEvent) => minimapMove(ev);
  minimap.addEventListener('pointermove', move);
  minimap.addEventListener('pointerup', () => (minimap.removeEventListener('pointermove', move), saveState()), { once: true });
});
new ResizeObserver(() => requestDraw()).observe(stage);
// Theme changes: VS Code swaps the body's class and CSS variables.
new MutationObserver(() => {
  theme = readTheme();
  minimapImage = undefined;
  requestDraw();
}).observe(document.body, { attributes: true, attributeFilter: ['class', 'style'] });

// ---- host messages --------------------------------------------------------------------
window.addEventListener('message', (event: MessageEvent) => {
  const m = event.data;
  if (!isHostToWebviewMessage(m)) return;
  switch (m.type) {
    case 'init': {
      path = m.path;
      document.title = m.fileName;
      const state = vscode.getState() ?? m.state;
      opened = open(state?.graph ?? [], state?.expanded, state?.view);
      break;
    }
    case 'revealNodes':
      void revealNodes(m.ids);
      break;
    case 'serverResult': {
      const p = pending.get(m.requestId);
      pending.delete(m.requestId);
      if (!p) break;
      if (m.error !== undefined) p.reject(new Error(m.error));
      else p.resolve(m.result);
      break;
    }
    case 'profileOverlay':
      profile = m.nodes;
      requestDraw();
      break;
    case 'exportSaved':
      status.textContent = m.error ? `Export failed: ${m.error}` : m.path ? `Saved ${m.path}` : status.textContent;
      break;
  }
});

// Test and benchmark hook: read-only views of what is drawn, and a way to place the view.
(window as unknown as { __mlHygieneGraph: unknown }).__mlHygieneGraph = {
  scene: () => index?.scene,
  view: () => ({ ...view }),
  setView: (v: View) => ((view = { ...v }), draw()),
  stats: () => ({ ...lastStats }),
  profile: () => (profile ? { ...profile } : undefined),
  frameTimes: () => [...frameTimes],
  screenPosition: (id: string) => {
    const n = index?.byId.get(id);
    if (!n) return undefined;
    const r = canvas.getBoundingClientRect();
    return { x: r.left + view.x + (n.x + n.w / 2) * view.scale, y: r.top + view.y + (n.y + n.h / 2) * view.scale, toggleX: r.left + view.x + (n.x + n.w - 11) * view.scale, toggleY: r.top + view.y + (n.y + 12) * view.scale };
  },
  exportSvg: () => (index ? sceneToSvg(index, theme) : ''),
  reveal: (id: string) => reveal(id),
};

vscode.postMessage({ type: 'ready' });
