/**
 * Settings of the extension (`mlHygiene.*` in VS Code), their defaults, and the custom
 * LSP methods. The client, the server and the package.json contribution are kept in
 * step by test/settings.test.ts.
 */
import type { Severity } from './findings';

export interface HygieneSettings {
  /** Lint at all. */
  enable: boolean;
  /** Per-rule or per-family severity (`off` disables); the project's configuration file overrides these. */
  severity: Record<string, Severity | 'off'>;
  /** Lint every file of the workspace in the background, not only open ones. */
  workspaceScan: boolean;
}

export const DEFAULT_SETTINGS: HygieneSettings = {
  enable: true,
  severity: {},
  workspaceScan: true,
};

/** The configuration section the server asks the client for. */
export const SETTINGS_SECTION = 'mlHygiene';

/** Custom LSP methods, namespaced `mlHygiene/…`. */
export const LspMethods = {
  /** server -> client notification: the background scan's state, for the status bar. */
  scanStatus: 'mlHygiene/scanStatus',
  /** client -> server request: a model in ONNX's textual syntax (ModelTextParams -> ModelTextResult). */
  modelText: 'mlHygiene/modelText',
} as const;

export interface ModelTextParams {
  /** Absolute path of the .onnx file. */
  path: string;
}

export interface ModelTextResult {
  text: string;
}

export interface ScanStatusParams {
  state: 'scanning' | 'idle';
  filesDone: number;
  filesTotal: number;
  findings: number;
}
