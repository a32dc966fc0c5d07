/**
 * A test page for the graph webview: headless Chromium (Debian's, driven by
 * playwright-core) loads the built bundle (dist/webviews/graph.main.js) under the same
 * strict Content-Security-Policy as in VS Code, with VS Code's dark theme variables, and
 * a stand-in for `acquireVsCodeApi` that hands every message to this process. Requests
 * are answered by the real server-side graph code (GraphService) in-process, through
 * the same dispatch table the LSP layer uses.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { GraphRequestTypes, HostToWebviewMessage, WebviewToHostMessage } from '../../protocol/graph';
import { graphHandlers } from '../../server/src/graph/dispatch';
import { GraphService } from '../../server/src/graph/service';

export const ROOT = join(__dirname, '..', '..');
export const RESULTS = join(ROOT, 'test-results');
export const MODELS = join(ROOT, '..', 'shared', 'models', 'onnx-backend');
const BUNDLE = join(ROOT, 'dist', 'webviews', 'graph.main.js');

/** VS Code's Dark Modern colours for the variables the view reads. */
const DARK_THEME: Record<string, string> = {
  '--vscode-font-family': '"Segoe WPC", "Segoe UI", "DejaVu Sans", sans-serif',
  '--vscode-font-size': '13px',
  '--vscode-editor-font-family': '"DejaVu Sans Mono", monospace',
  '--vscode-foreground': '#cccccc',
  '--vscode-editor-background': '#1f1f1f',
  '--vscode-editor-foreground': '#cccccc',
  '--vscode-descriptionForeground': '#9d9d9d',
  '--vscode-editorLineNumber-foreground': '#6e7681',
  '--vscode-editorWidget-background': '#202020',
  '--vscode-editorWidget-border': '#454545',
  '--vscode-sideBar-background': '#181818',
  '--vscode-panel-border': '#2b2b2b',
  '--vscode-badge-background': '#616161',
  '--vscode-badge-foreground': '#f8f8f8',
  '--vscode-focusBorder': '#0078d4',
  '--vscode-editorOverviewRuler-findMatchForeground': '#d18616',
  '--vscode-textLink-foreground': '#4daafc',
  '--vscode-button-background': '#0078d4',
  '--vscode-button-foreground': '#ffffff',
  '--vscode-button-secondaryBackground': '#313131',
  '--vscode-button-secondaryForeground': '#cccccc',
  '--vscode-input-background': '#313131',
  '--vscode-input-foreground': '#cccccc',
  '--vscode-input-border': '#3c3c3c',
  '--vscode-textPreformat-foreground': '#d0d0d0',
  '--vscode-errorForeground': '#f85149',
  '--vscode-charts-blue': '#3794ff',
};

/** VS Code's Light Modern colours for the same variables. */
const LIGHT_THEME: Record<string, string> = {
  '--vscode-font-family': DARK_THEME['--vscode-font-family'],
  '--vscode-font-size': '13px',
  '--vscode-editor-font-family': DARK_THEME['--vscode-editor-font-family'],
  '--vscode-foreground': '#3b3b3b',
  '--vscode-editor-background': '#ffffff',
  '--vscode-editor-foreground': '#3b3b3b',
  '--vscode-descriptionForeground': '#3b3b3b',
  '--vscode-editorLineNumber-foreground': '#6e7681',
  '--vscode-editorWidget-background': '#f8f8f8',
  '--vscode-editorWidget-border': '#e5e5e5',
  '--vscode-sideBar-background': '#f8f8f8',
  '--vscode-panel-border': '#e5e5e5',
  '--vscode-badge-background': '#cccccc',
  '--vscode-badge-foreground': '#3b3b3b',
  '--vscode-focusBorder': '#005fb8',
  '--vscode-editorOverviewRuler-findMatchForeground': '#d186167e',
  '--vscode-textLink-foreground': '#005fb8',
  '--vscode-button-background': '#005fb8',
  '--vscode-button-foreground': '#ffffff',
  '--vscode-button-secondaryBackground': '#e5e5e5',
  '--vscode-button-secondaryForeground': '#3b3b3b',
  '--vscode-input-background': '#ffffff',
  '--vscode-input-foreground': '#3b3b3b',
  '--vscode-input-border': '#cecece',
  '--vscode-textPreformat-foreground': '#3b3b3b',
  '--vscode-errorForeground': '#f85149',
  '--vscode-charts-blue': '#1a85ff',
};

/** VS Code's Dark High Contrast colours: black, white text, borders everywhere. */
const HC_DARK_THEME: Record<string, string> = {
  '--vscode-font-family': DARK_THEME['--vscode-font-family'],
  '--vscode-font-size': '13px',
  '--vscode-editor-font-family': DARK_THEME['--vscode-editor-font-family'],
  '--vscode-foreground': '#ffffff',
  '--vscode-editor-background': '#000000',
  '--vscode-editor-foreground': '#ffffff',
  '--vscode-descriptionForeground': '#ffffffb3',
  '--vscode-editorLineNumber-foreground': '#ffffff',
  '--vscode-editorWidget-background': '#0c141f',
  '--vscode-editorWidget-border': '#6fc3df',
  '--vscode-sideBar-background': '#000000',
  '--vscode-panel-border': '#6fc3df',
  '--vscode-badge-background': '#000000',
  '--vscode-badge-foreground': '#ffffff',
  '--vscode-contrastBorder': '#6fc3df',
  '--vscode-contrastActiveBorder': '#f38518',
  '--vscode-focusBorder': '#f38518',
  '--vscode-editorOverviewRuler-findMatchForeground': '#ab5a00',
  '--vscode-textLink-foreground': '#21a6ff',
  '--vscode-button-background': '#000000',
  '--vscode-button-foreground': '#ffffff',
  '--vscode-button-border': '#6fc3df',
  '--vscode-button-secondaryForeground': '#ffffff',
  '--vscode-input-background': '#000000',
  '--vscode-input-foreground': '#ffffff',
  '--vscode-input-border': '#6fc3df',
  '--vscode-textPreformat-foreground': '#ffd700',
  '--vscode-errorForeground': '#f48771',
  '--vscode-charts-blue': '#3794ff',
};

/** A VS Code colour theme as a webview sees it: the body's class and the CSS variables. */
export interface WebviewTheme {
  name: string;
  bodyClass: 'vscode-dark' | 'vscode-light' | 'vscode-high-contrast' | 'vscode-high-contrast-light';
  vars: Record<string, string>;
}

export const THEMES = {
  dark: { name: 'dark', bodyClass: 'vscode-dark', vars: DARK_THEME },
  light: { name: 'light', bodyClass: 'vscode-light', vars: LIGHT_THEME },
  highContrast: { name: 'high-contrast', bodyClass: 'vscode-high-contrast', vars: HC_DARK_THEME },
} satisfies Record<string, WebviewTheme>;

export function ensureBundle(): void {
  if (existsSync(BUNDLE)) return;
  const r = spawnSync(process.execPath, [join(ROOT, 'scripts', 'build.mjs')], { cwd: ROOT, stdio: 'inherit' });
  if (r.status !== 0 || !existsSync(BUNDLE)) throw new Error('building the webview bundle failed');
}

function pageHtml(nonce: string, theme: WebviewTheme = THEMES.dark): string {
  const style = Object.entries(theme.vars).map(([k, v]) => `${k}: ${v};`).join(' ');
  const css = pathToFileURL(join(ROOT, 'dist', 'webviews', 'graph.main.css')).href;
  const js = pathToFileURL(BUNDLE).href;
  // The same policy as client/src/model-editor.ts, with file: standing in for the webview's resource origin.
  const csp = `default-src 'none'; img-src file: data:; style-src file:; font-src file:; script-src 'nonce-${nonce}';`;
  return `<!DOCTYPE html><html lang="en"><head><meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<link rel="stylesheet" href="${css}"><title>graph</title></head>
<body class="${theme.bodyClass}" data-theme-vars="${style.replace(/"/g, '&quot;')}">
<script nonce="${nonce}">
  for (const decl of document.body.dataset.themeVars.split(';')) {
    const i = decl.indexOf(':');
    if (i > 0) document.body.style.setProperty(decl.slice(0, i).trim(), decl.slice(i + 1).trim());
  }
  window.__sent = [];
  let state;
  window.acquireVsCodeApi = () => ({
    postMessage: (m) => { window.__sent.push(m); window.__toHost(m); },
    getState: () => state,
    setState: (s) => { state = s; },
  });
</script>
<script nonce="${nonce}" src="${js}"></script>
</body></html>`;
}

export interface ViewerPage {
  page: Page;
  /** Messages the webview posted (saveExport, openSource, didChangeState...). */
  sent: WebviewToHostMessage[];
  /** Console errors and CSP violations seen in the page. */
  errors: string[];
  post(message: HostToWebviewMessage): Promise<void>;
  /** Opens a model: posts `init` and waits until the view is ready or shows an error. */
  open(path: string): Promise<'ready' | 'error'>;
  waitIdle(): Promise<void>;
  data(name: string): Promise<string | undefined>;
  screenshot(name: string): Promise<string>;
  close(): Promise<void>;
}

export class Harness {
  browser!: Browser;
  readonly service = new GraphService();
  readonly handlers = graphHandlers(this.service);
  /** Server requests the webview made, by method. */
  readonly calls: { method: string; params: unknown }[] = [];
  /** Their results (same index), or the Error. */
  readonly results: unknown[] = [];

  async start(): Promise<void> {
    ensureBundle();
    mkdirSync(RESULTS, { recursive: true });
    this.browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--allow-file-access-from-files'] });
  }

  async stop(): Promise<void> {
    await this.browser?.close();
    await this.service.dispose();
  }

  /** A page with the webview; `theme` is VS Code's Dark Modern unless given. */
  async newPage(viewport = { width: 1400, height: 900 }, theme?: WebviewTheme): Promise<ViewerPage> {
    const page = await this.browser.newPage({ viewport });
    const sent: WebviewToHostMessage[] = [];
    const errors: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    page.on('pageerror', (e) => errors.push(String(e)));
    const post = (message: HostToWebviewMessage) => page.evaluate((m) => window.postMessage(m, '*'), message);
    await page.exposeFunction('__toHost', (m: WebviewToHostMessage) => {
      sent.push(m);
      if (m.type !== 'callServer') return;
      const slot = this.calls.push({ method: m.method, params: m.params }) - 1;
      const handler = this.handlers[m.method as keyof GraphRequestTypes] as (p: unknown) => Promise<unknown>;
      handler(m.params).then(
        (result) => ((this.results[slot] = result), post({ type: 'serverResult', requestId: m.requestId, result })),
        (e: Error) => ((this.results[slot] = e), post({ type: 'serverResult', requestId: m.requestId, error: e.message })),
      ).catch(() => undefined);
    });
    const nonce = Buffer.from(crypto.getRandomValues(new Uint8Array(16))).toString('base64');
    const file = join(RESULTS, `.graph-page-${process.pid}.html`);
    writeFileSync(file, pageHtml(nonce, theme));
    await page.goto(pathToFileURL(file).href);
    const viewer: ViewerPage = {
      page,
      sent,
      errors,
      post,
      async open(path) {
        await post({ type: 'init', path, fileName: path.split('/').pop()! });
        await page.waitForFunction(() => document.body.dataset.state === 'ready' || document.body.dataset.state === 'error', undefined, { timeout: 60_000 });
        return (await viewer.data('state')) as 'ready' | 'error';
      },
      async waitIdle() {
        await page.waitForFunction(() => document.body.dataset.state !== 'loading', undefined, { timeout: 60_000 });
        // Two frames: the scene is drawn.
        await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
      },
      data: (name) => page.evaluate((n) => document.body.dataset[n], name),
      async screenshot(name) {
        const out = join(RESULTS, `${name}.png`);
        await page.screenshot({ path: out });
        return out;
      },
      close: () => page.close(),
    };
    return viewer;
  }
}

/** The webview's test hook (read-only views of what is drawn). */
export interface GraphHook {
  scene(): import('../../protocol/graph').GraphScene | undefined;
  view(): { x: number; y: number; scale: number };
  setView(v: { x: number; y: number; scale: number }): void;
  stats(): { nodes: number; edges: number; ms: number; labels?: { id: string; text: string; x: number; y: number; w: number; h: number }[] };
  frameTimes(): number[];
  screenPosition(id: string): { x: number; y: number; toggleX: number; toggleY: number } | undefined;
  exportSvg(): string;
  reveal(id: string): Promise<void>;
}
