/**
 * The benchmark results webview: the report (latency, histogram, roofline, per-operator
 * profile) and a comparison with an earlier saved run. Data arrives in typed messages
 * (protocol/bench.ts) and is only ever set as text (never pasted into HTML).
 */
import './bench-report.css';
import { isBenchHostMessage, type BenchComparison, type BenchReport, type BenchWebviewMessage, type Delta, type SavedRunEntry } from '../../protocol/bench';

interface VsCodeApi {
  postMessage(message: BenchWebviewMessage): void;
  setState(state: unknown): void;
  getState(): unknown;
}
declare function acquireVsCodeApi(): VsCodeApi;
const vscode = acquireVsCodeApi();

type Child = Node | string | null | undefined | false;

function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  for (const c of children) if (c) e.append(typeof c === 'string' ? document.createTextNode(c) : c);
  return e;
}

const SVG = 'http://www.w3.org/2000/svg';
function svg(tag: string, attrs: Record<string, string | number>, text?: string): SVGElement {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = text;
  return e;
}

const ms = (x: number) => (x >= 100 ? x.toFixed(1) : x >= 1 ? x.toFixed(2) : x.toFixed(4));
const bytes = (n: number) => (n >= 2 ** 30 ? `${(n / 2 ** 30).toFixed(2)} GiB` : n >= 2 ** 20 ? `${(n / 2 ** 20).toFixed(1)} MiB` : `${(n / 1024).toFixed(1)} KiB`);
const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

function table(headers: string[], rows: Child[][], numeric: boolean[] = []): HTMLTableElement {
  return el(
    'table',
    {},
    el('thead', {}, el('tr', {}, ...headers.map((h, i) => el('th', numeric[i] ? { class: 'num' } : {}, h)))),
    el('tbody', {}, ...rows.map((r) => el('tr', {}, ...r.map((c, i) => el('td', numeric[i] ? { class: 'num' } : {}, c))))),
  );
}

function kpi(value: string, label: string): HTMLElement {
  return el('div', { class: 'kpi' }, el('div', { class: 'v' }, value), el('div', { class: 'l' }, label));
}

function histogram(r: BenchReport): SVGElement {
  const { counts, min, max } = r.histogram;
  const width = 560;
  const height = 140;
  const pad = 20;
  const top = Math.max(1, ...counts);
  const root = svg('svg', { width, height: height + pad, role: 'img', 'aria-label': 'latency histogram' });
  const w = (width - 2) / Math.max(1, counts.length);
  counts.forEach((c, i) => {
    const h = (c / top) * height;
    const bar = svg('rect', { class: 'bar', x: 1 + i * w, y: height - h, width: Math.max(1, w - 1), height: h });
    bar.append(svg('title', {}, `${ms(min + ((max - min) * i) / counts.length)}–${ms(min + ((max - min) * (i + 1)) / counts.length)} ms: ${c} runs`));
    root.append(bar);
  });
  root.append(svg('text', { class: 'axis', x: 0, y: height + 14 }, `${ms(min)} ms`));
  root.append(svg('text', { class: 'axis', x: width, y: height + 14, 'text-anchor': 'end' }, `${ms(max)} ms`));
  return root;
}

function shareCell(share: number): HTMLElement {
  return el('span', {}, el('span', { class: 'share' }), pct(share));
}

function render(report: BenchReport, savedPath: string | undefined, runs: SavedRunEntry[]): void {
  const l = report.latencyMs;
  const root = el('div');
  root.append(
    el('h1', {}, `${report.profile ? 'Profile' : 'Benchmark'}: ${report.model.name}`),
    el('p', { class: 'sub' }, `${report.provider} · onnxruntime ${report.versions.onnxruntime} · ${report.iterations} runs after ${report.warmup} warm-up · ${new Date(report.createdAt).toLocaleString()}`),
    el('div', { class: 'kpis' }, kpi(`${ms(l.p50)} ms`, 'median latency'), kpi(`${ms(l.p99)} ms`, 'p99 latency'), kpi(`${report.throughput.toFixed(1)}/s`, 'throughput'), kpi(`${ms(report.sessionCreateMs)} ms`, 'session creation'), kpi(`${ms(report.firstRunMs)} ms`, 'first run'), kpi(bytes(report.peakRssBytes), 'peak runner memory')),
    el('h2', {}, 'Latency'),
    table(
      ['min', 'mean', 'p50', 'p90', 'p95', 'p99', 'max', 'std'],
      [[l.min, l.mean, l.p50, l.p90, l.p95, l.p99, l.max, l.std].map((x) => `${ms(x)} ms`)],
      [true, true, true, true, true, true, true, true],
    ),
    el('p', { class: 'note' }, `95% CI of the mean: ${report.confidence.mean ? `${ms(report.confidence.mean.low)}–${ms(report.confidence.mean.high)} ms` : 'n/a'}; of p50: ${report.confidence.p50 ? `${ms(report.confidence.p50.low)}–${ms(report.confidence.p50.high)} ms` : 'n/a'}`),
    histogram(report),
    el('p', { class: 'note' }, `CPU: ${report.cpu.percentOfOneCore.toFixed(0)}% of one core (${report.cpu.percentOfMachine.toFixed(0)}% of ${report.machine.logicalCores} cores)`),
  );
  if (report.roofline) {
    const rf = report.roofline;
    root.append(
      el('h2', {}, 'Roofline'),
      table(
        ['', 'achieved', 'machine peak', 'share'],
        [
          ['compute', `${rf.achievedGflops.toFixed(2)} GFLOP/s`, `${rf.peakGflops.toFixed(1)} GFLOP/s`, `${rf.computePercent.toFixed(1)}%`],
          ['memory', `${rf.achievedGBps.toFixed(2)} GB/s`, `${rf.peakGBps.toFixed(1)} GB/s`, `${rf.bandwidthPercent.toFixed(1)}%`],
        ],
        [false, true, true, true],
      ),
      el('p', { class: 'note' }, rf.note),
    );
  }
  if (report.profile) {
    const p = report.profile;
    root.append(
      el('h2', {}, `Per operator (${p.runs} profiled runs, optimization ${p.graphOptimization})`),
      el('p', { class: 'note' }, `Kernel time ${ms(p.nodeTimeUs / 1000)} ms of ${ms(p.runTimeUs / 1000)} ms per profiled run; shares of kernel time. Profiling adds overhead: latencies above come from the unprofiled session.`),
      table(
        ['op type', 'share', 'ms per run', 'calls'],
        p.byOpType.map((o) => [o.opType, shareCell(o.share), ms(o.meanUs / 1000), String(o.calls)]),
        [false, false, true, true],
      ),
      el('h2', {}, 'Per node'),
      table(
        ['node (as run)', 'op', 'share', 'ms per run', 'provider', 'model nodes'],
        p.byNode.slice(0, 200).map((n) => [n.name, n.opType, shareCell(n.share), ms(n.meanUs / 1000), n.provider.replace(/ExecutionProvider$/, ''), n.modelNodes.join(', ') || `(${n.mapping})`]),
        [false, false, false, true, false, false],
      ),
      el('p', { class: 'note' }, p.mappingNote),
    );
    // Bar widths by share (set through the CSSOM, which the CSP allows).
    const bars = root.querySelectorAll<HTMLElement>('.share');
    const shares = [...p.byOpType.map((o) => o.share), ...p.byNode.slice(0, 200).map((n) => n.share)];
    bars.forEach((b, i) => (b.style.width = `${Math.round(80 * (shares[i] ?? 0))}px`));
  }
  root.append(
    el('h2', {}, 'Inputs and setup'),
    table(['input', 'type', 'shape', 'values'], report.inputs.map((i) => [i.name, i.type, `[${i.shape.join(', ')}]`, i.source])),
    el('p', { class: 'note' }, report.dims.length ? `Dimensions: ${report.dims.map((d) => `${d.key}=${d.value}${d.from === 'user' ? '' : ` (${d.from})`}`).join(', ')}` : 'All input dimensions are fixed.'),
    el('p', { class: 'note' }, `Machine: ${report.machine.cpuModel} × ${report.machine.logicalCores}, load ${report.machine.loadAverage.map((x) => x.toFixed(2)).join(' ')}; node ${report.versions.node}`),
    el('p', { class: 'note' }, 'Same measurement with onnxruntime_perf_test: ', el('code', {}, report.perfTestCommand)),
    ...report.notes.map((n) => el('p', { class: 'note' }, `Note: ${n}`)),
  );
  // Comparison with an earlier run.
  const earlier = runs.filter((r) => r.path !== savedPath);
  const result = el('div');
  root.append(el('h2', {}, 'Compare with an earlier run'));
  if (!savedPath) root.append(el('p', { class: 'note' }, 'This run was not saved (no workspace folder), so it cannot be compared.'));
  else if (!earlier.length) root.append(el('p', { class: 'note' }, 'No earlier runs of this model in .ml-hygiene/runs yet.'));
  else {
    const select = el('select', {}, ...earlier.map((r) => el('option', { value: r.path }, `${new Date(r.createdAt).toLocaleString()} · ${r.provider} · p50 ${ms(r.p50Ms)} ms${r.profiled ? ' · profiled' : ''}`)));
    const button = el('button', {}, 'Compare');
    button.addEventListener('click', () => {
      const requestId = ++lastRequest;
      result.replaceChildren(el('p', { class: 'note' }, 'Comparing…'));
      vscode.postMessage({ type: 'requestComparison', requestId, runPath: select.value });
    });
    root.append(el('p', {}, select, ' ', button));
  }
  root.append(result);
  comparisonTarget = result;
  document.body.replaceChildren(root);
}

function deltaCell(d: Delta, lowerIsBetter: boolean): HTMLElement {
  if (d.percent === null) return el('span', {}, 'n/a');
  const better = lowerIsBetter ? d.change < 0 : d.change > 0;
  return el('span', { class: Math.abs(d.percent) < 1 ? '' : better ? 'better' : 'worse' }, `${d.percent >= 0 ? '+' : ''}${d.percent.toFixed(1)}%`);
}

function renderComparison(c: BenchComparison): HTMLElement {
  const rows: Child[][] = (['p50', 'p90', 'p99', 'mean', 'min', 'max'] as const).map((k) => [k, `${ms(c.latencyMs[k].before)} ms`, `${ms(c.latencyMs[k].after)} ms`, deltaCell(c.latencyMs[k], true)]);
  rows.push(['throughput', `${c.throughput.before.toFixed(1)}/s`, `${c.throughput.after.toFixed(1)}/s`, deltaCell(c.throughput, false)]);
  rows.push(['session creation', `${ms(c.sessionCreateMs.before)} ms`, `${ms(c.sessionCreateMs.after)} ms`, deltaCell(c.sessionCreateMs, true)]);
  rows.push(['peak memory', bytes(c.peakRssBytes.before), bytes(c.peakRssBytes.after), deltaCell(c.peakRssBytes, true)]);
  const out = el('div', {}, el('p', { class: 'note' }, `Before: ${c.before.path} (${new Date(c.before.createdAt).toLocaleString()})`), table(['', 'before', 'after', 'change'], rows, [false, true, true, true]));
  if (c.opTypes.length)
    out.append(table(['op type', 'before (ms/run)', 'after (ms/run)', 'change'], c.opTypes.map((o) => [o.opType, ms(o.meanUs.before / 1000), ms(o.meanUs.after / 1000), deltaCell(o.meanUs, true)]), [false, true, true, true]));
  for (const cv of c.caveats) out.append(el('p', { class: 'note' }, `Caveat: ${cv}`));
  return out;
}

let lastRequest = 0;
let comparisonTarget: HTMLElement | undefined;

window.addEventListener('message', (event: MessageEvent) => {
  const m: unknown = event.data;
  if (!isBenchHostMessage(m)) return;
  if (m.type === 'init') {
    vscode.setState({ report: m.report, savedPath: m.savedPath, runs: m.runs });
    render(m.report, m.savedPath, m.runs);
  } else if (m.type === 'comparisonResult' && m.requestId === lastRequest && comparisonTarget) {
    comparisonTarget.replaceChildren(m.comparison ? renderComparison(m.comparison) : el('p', { class: 'error' }, m.error ?? 'the comparison failed'));
  }
});

const saved = vscode.getState() as { report: BenchReport; savedPath?: string; runs: SavedRunEntry[] } | undefined;
if (saved?.report) render(saved.report, saved.savedPath, saved.runs);
vscode.postMessage({ type: 'ready' });
