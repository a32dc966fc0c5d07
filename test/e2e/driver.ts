/**
 * What an end-to-end scenario may ask of a running VS Code with the extension installed.
 * The scenarios (scenarios.ts) only see this interface, so the same scenarios run in
 * code-server driven from chromium (code-server/driver.ts, `npm run test:e2e`) and inside
 * a desktop VS Code under @vscode/test-electron (vscode/driver.ts, `npm run test:vscode`).
 * Lines and columns are 1-based, as VS Code shows them.
 */

export type Severity = 'error' | 'warning' | 'info' | 'hint';

/** One row of the Problems panel (or, where no panel can be read, the diagnostic behind it). */
export interface Problem {
  /** File name as the panel groups it, e.g. `train.py`. */
  file: string;
  /** Rule id shown as the diagnostic's code, e.g. `SER001`. */
  rule: string;
  line: number;
  column: number;
  severity: Severity;
  message: string;
  /** Diagnostic source, `ml-hygiene` for ours. */
  source: string;
}

/** The parts of the installed extension's package.json the scenarios look at. */
export interface ExtensionManifest {
  name: string;
  version: string;
  contributes?: {
    commands?: { command: string; title: string; category?: string }[];
    customEditors?: { viewType: string; displayName?: string; selector?: { filenamePattern: string }[] }[];
  };
}

/** A webview (custom editor or panel) the driver can see into. */
export interface Webview {
  /** The webview document's visible text. */
  text(): Promise<string>;
  /** Number of elements matching a CSS selector. */
  count(selector: string): Promise<number>;
  /** Clicks the first element matching a CSS selector, at x,y inside it when given (a canvas). */
  click(selector: string, at?: { x: number; y: number }): Promise<void>;
  /** Evaluates a JavaScript expression in the webview's document and returns its JSON value. */
  evaluate<T>(expression: string): Promise<T>;
}

export interface Driver {
  /** `code-server` or `vscode`, for messages. */
  readonly host: string;
  /** File-system path of the workspace folder that is open. */
  readonly workspace: string;
  /** The package.json of the extension as installed from the .vsix. */
  manifest(): Promise<ExtensionManifest>;
  /** Opens a workspace-relative file in an editor (the default editor for its type). */
  openFile(relativePath: string): Promise<void>;
  /** The ML Hygiene problems listed for one file (by base name), as the user sees them now. */
  problems(fileName: string): Promise<Problem[]>;
  /** Moves the cursor of the active editor to line:column. */
  goTo(line: number, column: number): Promise<void>;
  /** Types at the end of a line of the active editor, as keystrokes where the host allows. */
  typeAtEndOfLine(line: number, text: string): Promise<void>;
  /** Starts a new line below `line` (keeping its indentation) and types `text` there. */
  typeNewLineAfter(line: number, text: string): Promise<void>;
  /** Saves the active editor. */
  save(): Promise<void>;
  /**
   * Opens the quick fixes for line:column the way a user does (the light bulb where the
   * host shows one) and returns the titles offered.
   */
  quickFixTitles(line: number, column: number): Promise<string[]>;
  /** Applies the offered quick fix whose title matches (opening the menu again). */
  applyQuickFix(line: number, column: number, title: RegExp): Promise<void>;
  /** Runs a command from the command palette by its title, e.g. `ML Hygiene: Show Output`. */
  runCommand(title: string): Promise<void>;
  /**
   * Accepts the prompt a command opened (an input box or a quick pick) with its default
   * value or first entry, as a user pressing Enter does; returns the prompt's title.
   */
  acceptPrompt?(): Promise<string>;
  /** Texts of the notifications showing now. */
  notifications(): Promise<string[]>;
  /** The webviews (custom editors, panels) open now, where the host lets the driver see into them. */
  webviews?(): Promise<Webview[]>;
  /** Saves a screenshot as test-results/e2e/<name>.png where the host can take one. */
  screenshot(name: string): Promise<void>;
}

/** Polls `probe` until it returns a value other than undefined; fails with `what` after `timeoutMs`. */
export async function waitFor<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>, intervalMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (last error: ${(last as Error).message})` : ''}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
