/**
 * The details panel: a node's op, attributes, inputs and outputs with types, shapes,
 * producers and consumers, FLOPs, metadata and source location; a group's summary; the
 * model's properties and findings. Built with DOM calls only (no HTML strings).
 */
import type { GraphFinding, GraphNodeDetails, GraphStep, ModelProperties, SceneNode, TensorLink } from '../../../protocol/graph';
import type { TensorStats, ValueSummary } from '../../../protocol/model';
import { formatBytes, formatCount, h } from './dom';

export interface DetailsActions {
  reveal(id: string, ancestors?: string[]): void;
  highlightTensor(name: string): void;
  stepInto(step: GraphStep): void;
  toggleGroup(id: string): void;
  tensorStats(name: string): Promise<TensorStats>;
  openSource(file: string, line: number): void;
}

function section(title: string, ...body: (Node | null)[]): HTMLElement {
  return h('section', {}, h('h3', {}, title), ...body);
}

function table(rows: [string, Node | string][]): HTMLElement {
  return h('table', {}, ...rows.map(([k, v]) => h('tr', {}, h('th', {}, k), h('td', {}, v))));
}

/** Key above value, for long keys and multi-line values (metadata, stack traces). */
function entries(record: Record<string, string>): HTMLElement {
  return h('dl', { class: 'entries' }, ...Object.entries(record).flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, h('pre', {}, v))]));
}

function typeText(v: ValueSummary): string {
  return v.type?.text ?? '?';
}

function link(l: TensorLink, actions: DetailsActions): HTMLElement {
  return h('a', { class: 'link', onclick: () => actions.reveal(l.id) }, l.label);
}

function histogram(stats: TensorStats): HTMLCanvasElement {
  const canvas = h('canvas', { class: 'histogram' });
  canvas.width = 260;
  canvas.height = 60;
  const ctx = canvas.getContext('2d')!;
  const counts = stats.histogram.counts;
  const max = Math.max(1, ...counts);
  const bw = canvas.width / Math.max(1, counts.length);
  ctx.fillStyle = getComputedStyle(document.body).getPropertyValue('--vscode-charts-blue').trim() || '#3794ff';
  counts.forEach((c, i) => {
    const bh = (c / max) * (canvas.height - 2);
    ctx.fillRect(i * bw, canvas.height - bh, Math.max(1, bw - 1), bh);
  });
  return canvas;
}

function statsTable(stats: TensorStats): HTMLElement {
  const f = (v: number | null) => (v === null ? '—' : Number.isInteger(v) ? String(v) : v.toPrecision(5));
  return h(
    'div',
    { class: 'stats' },
    table([
      ['min', f(stats.min)],
      ['max', f(stats.max)],
      ['mean', f(stats.mean)],
      ['std', f(stats.std)],
      ['zeros', String(stats.zeros)],
      ['NaN / ±Inf', `${stats.nan} / ${stats.posInf} / ${stats.negInf}`],
    ]),
    histogram(stats),
    h('div', { class: 'muted' }, `${f(stats.histogram.min)} … ${f(stats.histogram.max)}`),
  );
}

export function nodeDetails(d: GraphNodeDetails, scene: SceneNode | undefined, actions: DetailsActions): HTMLElement {
  const n = d.node;
  const root = h('div', { class: 'details-node', dataset: { nodeId: d.id } });
  root.append(
    h('h2', {}, n.opType, n.domain ? h('span', { class: 'muted' }, ` ${n.domain}`) : null),
    h('div', { class: 'node-name', title: n.name }, n.name || `(unnamed node ${n.index})`),
  );
  if (d.source) {
    const src = d.source;
    root.append(h('button', { class: 'action', title: `${src.file}:${src.line}`, onclick: () => actions.openSource(src.file, src.line) }, `Go to Source: ${src.file.split(/[\\/]/).pop()}:${src.line}`));
  }
  if (scene?.steps?.length)
    root.append(section('Subgraphs', h('div', { class: 'buttons' }, ...scene.steps.map((s) => h('button', { class: 'action', onclick: () => actions.stepInto(s.step) }, `Open ${s.label}`)))));
  if (n.flops !== null || n.macs !== null)
    root.append(section('Cost', table([['FLOPs', n.flops === null ? '—' : formatCount(n.flops)], ['MACs', n.macs === null ? '—' : formatCount(n.macs)]])));
  if (n.attributes.length) root.append(section('Attributes', table(n.attributes.map((a) => [a.name, h('code', {}, a.value)]))));
  const inputs = n.inputs.map((v, i) => {
    const from = d.inputFrom[i];
    const row = h('li', {}, h('a', { class: 'tensor link', title: 'Highlight producer and consumers', onclick: () => actions.highlightTensor(v.name) }, v.name || '(none)'), ' ', h('code', {}, typeText(v)));
    if (from?.kind === 'node' || from?.kind === 'input') row.append(h('div', { class: 'muted' }, 'from ', link(from.link, actions)));
    else if (from?.kind === 'initializer') {
      const init = from.initializer;
      const box = h('div', { class: 'muted' }, `initializer ${init.dataType}[${init.dims.join(',')}] · ${formatBytes(init.bytes)}${init.external ? ' · external' : ''} `);
      const button = h('button', { class: 'small' }, 'Statistics');
      button.addEventListener('click', () => {
        button.disabled = true;
        button.textContent = 'Reading…';
        actions.tensorStats(init.name).then(
          (stats) => button.replaceWith(statsTable(stats)),
          (e: Error) => button.replaceWith(h('div', { class: 'error-text' }, e.message)),
        );
      });
      box.append(button);
      row.append(box);
    } else if (from?.kind === 'outer') row.append(h('div', { class: 'muted' }, 'from the enclosing graph'));
    return row;
  });
  root.append(section('Inputs', h('ul', {}, ...inputs)));
  const outputs = n.outputs.map((v, i) => {
    const to = d.outputTo[i] ?? [];
    const row = h('li', {}, h('a', { class: 'tensor link', onclick: () => actions.highlightTensor(v.name) }, v.name), ' ', h('code', {}, typeText(v)));
    if (to.length) {
      const list = h('div', { class: 'muted' }, 'to ');
      to.slice(0, 20).forEach((l, k) => list.append(k ? ', ' : '', link(l, actions)));
      if (to.length > 20) list.append(` and ${to.length - 20} more`);
      row.append(list);
    }
    return row;
  });
  root.append(section('Outputs', h('ul', {}, ...outputs)));
  if (n.metadata) root.append(section('Metadata', entries(n.metadata)));
  if (n.docString) root.append(section('Documentation', h('pre', {}, n.docString)));
  return root;
}

export function groupDetails(g: SceneNode, actions: DetailsActions): HTMLElement {
  return h(
    'div',
    { class: 'details-group', dataset: { nodeId: g.id } },
    h('h2', {}, g.label),
    h('div', { class: 'node-name' }, g.id.slice(1) || '/'),
    table([['Nodes', (g.count ?? 0).toLocaleString('en-US')]]),
    h('button', { class: 'action', onclick: () => actions.toggleGroup(g.id) }, g.expanded ? 'Collapse' : 'Expand'),
  );
}

export function modelDetails(m: ModelProperties, findings: GraphFinding[] | undefined, actions: DetailsActions): HTMLElement {
  const root = h('div', { class: 'details-model' });
  root.append(h('h2', {}, 'Model'), h('div', { class: 'node-name' }, m.path));
  root.append(
    section(
      'Properties',
      table([
        ['Format', `ONNX IR ${m.irVersion}`],
        ['Opsets', m.opsets.map((o) => `${o.domain || 'ai.onnx'} ${o.version}`).join(', ')],
        ['Producer', `${m.producer.name} ${m.producer.version}`.trim() || '—'],
        ['Size', formatBytes(m.fileSize)],
        ['Graph', `${m.graphName || '(unnamed)'}: ${m.nodeCount.toLocaleString('en-US')} nodes, ${m.initializerCount.toLocaleString('en-US')} initializers`],
        ...(m.domain ? [['Domain', m.domain] as [string, string]] : []),
        ...(m.modelVersion !== '0' ? [['Version', m.modelVersion] as [string, string]] : []),
      ]),
    ),
  );
  root.append(section('Inputs', h('ul', {}, ...m.inputs.map((v) => h('li', {}, h('a', { class: 'link', onclick: () => actions.reveal(`i:${v.name}`) }, v.name), ' ', h('code', {}, typeText(v)))))));
  root.append(section('Outputs', h('ul', {}, ...m.outputs.map((v) => h('li', {}, h('a', { class: 'link', onclick: () => actions.reveal(`o:${v.name}`) }, v.name), ' ', h('code', {}, typeText(v)))))));
  if (Object.keys(m.metadata).length) root.append(section('Metadata', entries(m.metadata)));
  if (m.functions.length)
    root.append(section('Functions', h('ul', {}, ...m.functions.map((f) => h('li', {}, h('a', { class: 'link', onclick: () => actions.stepInto({ kind: 'function', domain: f.domain, name: f.name }) }, `${f.domain ? `${f.domain}.` : ''}${f.name}`), ` (${f.nodeCount} nodes)`)))));
  const list = h('ul', { class: 'findings' });
  if (!findings) list.append(h('li', { class: 'muted' }, 'Checking…'));
  else if (!findings.length) list.append(h('li', { class: 'muted' }, 'No problems found.'));
  else
    for (const f of findings) {
      const item = h('li', { class: `finding ${f.finding.severity}`, dataset: f.id ? { nodeId: f.id } : {} }, h('span', { class: 'rule' }, f.finding.rule), ' ', f.finding.message);
      if (f.id) {
        item.classList.add('selectable');
        item.addEventListener('click', () => actions.reveal(f.id!, f.ancestors));
      }
      list.append(item);
    }
  root.append(section(`Findings${findings ? ` (${findings.length})` : ''}`, list));
  return root;
}
