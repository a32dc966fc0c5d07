/**
 * The Driver over code-server's workbench in headless chromium (playwright-core): it does
 * what a user does (quick open, keystrokes, the light bulb, the command palette) and reads
 * what a user sees (the Problems panel's rows, the quick-fix menu, webview frames).
 * Selectors are VS Code 1.100's (code-server 4.100.3, pinned by scripts/e2e-install.sh).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { chromium, type Browser, type Frame, type Page } from 'playwright-core';
import { waitFor, type Driver, type ExtensionManifest, type Problem, type Severity, type Webview } from '../driver';
import type { CodeServer } from './server';

const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const UI_MS = 15_000;

export class CodeServerDriver implements Driver {
  readonly host = 'code-server';

  private constructor(
    private readonly server: CodeServer,
    private readonly browser: Browser,
    readonly page: Page,
    readonly workspace: string,
    private readonly resultsDir: string,
  ) {}

  static async open(server: CodeServer, workspace: string, resultsDir: string, executablePath = process.env.CHROMIUM ?? '/usr/bin/chromium'): Promise<CodeServerDriver> {
    const browser = await chromium.launch({ executablePath, args: CHROMIUM_ARGS });
    const page = await browser.newPage({ viewport: { width: 1600, height: 1300 } });
    const driver = new CodeServerDriver(server, browser, page, workspace, resultsDir);
    await page.goto(`${server.url}/?folder=${encodeURIComponent(workspace)}`);
    await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
    // The explorer shows the workspace once the remote file system answers.
    await page.locator('.explorer-folders-view .monaco-list-row').first().waitFor({ timeout: 60_000 });
    return driver;
  }

  async close(): Promise<void> {
    await this.browser.close();
  }

  async manifest(): Promise<ExtensionManifest> {
    return JSON.parse(fs.readFileSync(path.join(this.server.extensionDir, 'package.json'), 'utf8')) as ExtensionManifest;
  }

  private async quickInput(prefixKey: string, text: string, pick: (label: string) => boolean): Promise<void> {
    const input = this.page.locator('.quick-input-widget .quick-input-box input');
    await this.page.keyboard.press(prefixKey);
    await input.waitFor({ state: 'visible', timeout: UI_MS });
    await input.fill(text);
    // The list re-renders while it filters: wait until its first (focused) entry is the one wanted, then accept it.
    const first = this.page.locator('.quick-input-widget .quick-input-list .monaco-list-row').first();
    await waitFor(`"${text}" as the first quick-input entry`, UI_MS, async () => {
      const label = await first.evaluate((e) => e.getAttribute('aria-label') ?? e.textContent ?? '').catch(() => '');
      return pick(label) ? true : undefined;
    });
    await this.page.keyboard.press('Enter');
    await input.waitFor({ state: 'hidden', timeout: UI_MS });
  }

  async acceptPrompt(): Promise<string> {
    const widget = this.page.locator('.quick-input-widget');
    await widget.waitFor({ state: 'visible', timeout: UI_MS });
    const title = (await this.page.locator('.quick-input-widget .quick-input-title').textContent().catch(() => '')) ?? '';
    await this.page.keyboard.press('Enter');
    await waitFor(`the prompt "${title}" to close or change`, UI_MS, async () => {
      const now = (await this.page.locator('.quick-input-widget .quick-input-title').textContent().catch(() => '')) ?? '';
      return !(await widget.isVisible()) || now !== title ? true : undefined;
    });
    return title;
  }

  async openFile(relativePath: string): Promise<void> {
    const name = path.basename(relativePath);
    const dir = path.dirname(relativePath);
    await this.focusWorkbench();
    await this.quickInput('Control+P', relativePath, (label) => label.startsWith(name) && label.includes(dir));
    await this.page.locator(`.tabs-container .tab.active[aria-label^="${name}"]`).waitFor({ timeout: UI_MS });
  }

  private async focusWorkbench(): Promise<void> {
    // Keystrokes go to whatever has focus; a click on the status bar's empty space focuses the window without side effects.
    await this.page.locator('.monaco-workbench').focus().catch(() => undefined);
  }

  /** Opens the Problems panel (once made tall enough that a file's rows are all rendered) and filters it to one file. */
  private async showProblems(fileName: string): Promise<void> {
    const panel = this.page.locator('.markers-panel');
    if (!(await panel.isVisible())) {
      await this.page.keyboard.press('Control+Shift+M');
      await panel.waitFor({ state: 'visible', timeout: UI_MS });
      await this.growPanel();
    }
    const filter = this.page.locator('.part.panel .viewpane-filter input').first();
    if ((await filter.inputValue()) !== fileName) {
      await filter.fill(fileName);
      // The tree refilters on a short delay: wait until no row of another file is left.
      await waitFor(`the Problems filter "${fileName}"`, UI_MS, async () => {
        const files = await this.page.locator('.markers-panel .monaco-tl-row .resource-label .label-name').allTextContents();
        return files.every((f) => f.trim() === fileName) ? true : undefined;
      }).catch(() => undefined);
    }
  }

  /** Drags the sash between the editors and the panel up, so the panel shows about 24 rows (a file's problems and their related locations). */
  private async growPanel(): Promise<void> {
    const box = await this.page.locator('.part.panel').boundingBox();
    if (!box || box.height >= 560) return;
    const y = box.y - 1;
    const x = box.x + box.width / 2;
    await this.page.mouse.move(x, y);
    await this.page.mouse.down();
    await this.page.mouse.move(x, y - (560 - box.height), { steps: 5 });
    await this.page.mouse.up();
  }

  async problems(fileName: string): Promise<Problem[]> {
    await this.showProblems(fileName);
    // Rows are a tree: aria-level 1 a file, 2 a problem, 3 a problem's related location.
    const rows = await this.page.locator('.markers-panel .monaco-list-row').evaluateAll((els) =>
      els
        .map((el) => {
          // No named helpers in here: the bundler's __name() does not exist in the page.
          const [file, badge, message, source, code, position] = ['.resource-label-container .label-name', '.monaco-count-badge', '.marker-message', '.marker-source', '.marker-code', '.marker-line'].map(
            (sel) => el.querySelector(sel)?.textContent?.trim() ?? '',
          );
          return {
            top: parseFloat((el as HTMLElement).style.top || '0'),
            level: el.getAttribute('aria-level'),
            file,
            badge,
            severity: el.querySelector('.marker-icon')?.className ?? '',
            message,
            source,
            code,
            position,
          };
        })
        .sort((a, b) => a.top - b.top),
    );
    const out: Problem[] = [];
    let file = '';
    let expected = 0;
    for (const r of rows) {
      if (r.level === '1') file = r.file;
      if (r.level === '1' && file === fileName) expected = Number(r.badge) || 0;
      if (r.level !== '2' || file !== fileName) continue;
      const pos = /Ln (\d+), Col (\d+)/.exec(r.position);
      const severity: Severity = /\berror\b/.test(r.severity) ? 'error' : /\bwarning\b/.test(r.severity) ? 'warning' : /\binfo\b/.test(r.severity) ? 'info' : 'hint';
      out.push({ file, rule: r.code, line: pos ? Number(pos[1]) : 0, column: pos ? Number(pos[2]) : 0, severity, message: r.message, source: r.source });
    }
    // The tree renders only the rows that fit: never report a partial list as the whole.
    if (out.length < expected) throw new Error(`the Problems panel shows ${out.length} of the ${expected} problems of ${fileName}: make the panel taller`);
    return out;
  }

  private editorTextArea() {
    return this.page.locator('.editor-group-container.active .monaco-editor textarea.inputarea').first();
  }

  async goTo(line: number, column: number): Promise<void> {
    await this.editorTextArea().focus();
    const input = this.page.locator('.quick-input-widget .quick-input-box input');
    await this.page.keyboard.press('Control+G');
    await input.waitFor({ state: 'visible', timeout: UI_MS });
    await input.fill(`:${line}:${column}`);
    await this.page.keyboard.press('Enter');
    await input.waitFor({ state: 'hidden', timeout: UI_MS });
    await waitFor(`the cursor at ${line}:${column}`, UI_MS, async () => {
      const status = (await this.page.locator('.statusbar [id="status.editor.selection"]').textContent()) ?? '';
      return status.includes(`Ln ${line}, Col ${column}`) ? true : undefined;
    });
  }

  async typeAtEndOfLine(line: number, text: string): Promise<void> {
    await this.goTo(line, 1);
    await this.page.keyboard.press('End');
    await this.page.keyboard.type(text);
  }

  async typeNewLineAfter(line: number, text: string): Promise<void> {
    await this.goTo(line, 1);
    await this.page.keyboard.press('End');
    await this.page.keyboard.press('Enter');
    await this.page.keyboard.type(text);
  }

  async save(): Promise<void> {
    await this.editorTextArea().focus();
    await this.page.keyboard.press('Control+S');
    await this.page.locator('.tabs-container .tab.active.dirty').waitFor({ state: 'detached', timeout: UI_MS });
  }

  private actionMenuRows() {
    return this.page.locator('.action-widget .monaco-list-row.action');
  }

  private async openQuickFixMenu(line: number, column: number): Promise<void> {
    if (await this.actionMenuRows().first().isVisible().catch(() => false)) return;
    await this.goTo(line, column);
    // The light bulb appears at the cursor's line once the server answers codeAction.
    const bulb = this.page.locator('.editor-group-container.active .monaco-editor .lightBulbWidget');
    await bulb.waitFor({ state: 'visible', timeout: UI_MS });
    await bulb.click();
    await this.actionMenuRows().first().waitFor({ state: 'visible', timeout: UI_MS });
  }

  async quickFixTitles(line: number, column: number): Promise<string[]> {
    await this.openQuickFixMenu(line, column);
    return (await this.actionMenuRows().evaluateAll((els) => els.map((e) => e.querySelector('.title')?.textContent ?? e.getAttribute('aria-label') ?? ''))).map((t) => t.trim());
  }

  async applyQuickFix(line: number, column: number, title: RegExp): Promise<void> {
    const titles = await this.quickFixTitles(line, column);
    const i = titles.findIndex((t) => title.test(t));
    if (i < 0) throw new Error(`no quick fix matching ${title} (offered: ${titles.join(' | ')})`);
    // Keyboard, as the menu's pointer block swallows synthetic clicks: from the focused (first) entry down to i.
    for (let k = 0; k < i; k++) await this.page.keyboard.press('ArrowDown');
    const focused = (await this.page.locator('.action-widget .monaco-list-row.action.focused .title').textContent())?.trim() ?? '';
    if (!title.test(focused)) throw new Error(`the quick-fix menu focused "${focused}", not ${title}`);
    await this.page.keyboard.press('Enter');
    await this.actionMenuRows().first().waitFor({ state: 'hidden', timeout: UI_MS });
  }

  async runCommand(title: string): Promise<void> {
    await this.focusWorkbench();
    await this.quickInput('F1', `>${title}`, (label) => label.toLowerCase().startsWith(title.toLowerCase()));
  }

  async notifications(): Promise<string[]> {
    return (await this.page.locator('.notifications-toasts .notification-list-item-message').allTextContents()).map((t) => t.trim());
  }

  async webviews(): Promise<Webview[]> {
    // Each webview is an iframe (the host page) holding another (the extension's document): keep the innermost.
    return this.page
      .frames()
      .filter((f) => f !== this.page.mainFrame() && !f.isDetached() && f.childFrames().length === 0)
      .map(frameWebview);
  }

  async screenshot(name: string): Promise<void> {
    fs.mkdirSync(this.resultsDir, { recursive: true });
    await this.page.screenshot({ path: path.join(this.resultsDir, `${name}.png`) });
  }
}

function frameWebview(frame: Frame): Webview {
  return {
    text: async () => (await frame.locator('body').innerText()).trim(),
    count: (selector) => frame.locator(selector).count(),
    click: (selector, at) => frame.locator(selector).first().click(at ? { position: at } : undefined),
    evaluate: <T>(expression: string) => frame.evaluate(expression) as Promise<T>,
  };
}
