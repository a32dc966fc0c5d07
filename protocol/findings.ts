/**
 * Types that cross process boundaries (engine -> LSP layer -> client, engine -> CLI
 * output, server -> webviews). Declared once here; every side imports them.
 * Nothing in this module may import `vscode` or `vscode-languageserver`.
 */

export type Severity = 'error' | 'warning' | 'info' | 'hint';
export const SEVERITIES: readonly Severity[] = ['error', 'warning', 'info', 'hint'];

/** Practices from PRACTICES.md that every rule cites. */
export type Practice = 'P1' | 'P2' | 'P3' | 'P4' | 'P5' | 'P6' | 'P7' | 'P8' | 'P9';

/** Rule families; the id of a rule is its family followed by three digits. */
export type RuleFamily = 'MLH' | 'SER' | 'RNG' | 'CFG' | 'LEAK' | 'MODEL';

/** What a rule looks at. `pickle` is a pickle file on disk, `onnx` a model file. */
export type TargetLanguage = 'python' | 'typescript' | 'javascript' | 'pickle' | 'onnx' | 'config';

/** Zero-based position; `character` counts UTF-16 code units, as LSP does. */
export interface Position {
  line: number;
  character: number;
}

export interface Range {
  start: Position;
  end: Position;
}

/** A text replacement. `path` absent means the file the finding is in. */
export interface TextEdit {
  path?: string;
  /** In a notebook: the cell (index among all cells) the range is in. */
  cell?: number;
  range: Range;
  newText: string;
}

export interface Fix {
  title: string;
  /** `safe` fixes keep behaviour; `unsafe` ones may change it and are never applied in bulk. */
  safety: 'safe' | 'unsafe';
  edits: TextEdit[];
  /** Files the fix creates (absolute paths) before its edits apply; edits into them use an empty-file range. */
  createFiles?: string[];
  /**
   * Why the fix cannot be applied now (e.g. the config file it would merge into is not
   * valid YAML). A disabled fix has no edits; editors offer it greyed out with this reason.
   */
  disabled?: string;
}

export interface RelatedLocation {
  /** Absolute path; absent means the same file. */
  path?: string;
  range: Range;
  message: string;
}

/**
 * One problem found by a rule. Plain data: the LSP layer turns it into a Diagnostic,
 * the CLI into text, JSON or SARIF.
 */
export interface Finding {
  rule: string;
  severity: Severity;
  message: string;
  range: Range;
  related?: RelatedLocation[];
  fixes?: Fix[];
  /** For notebooks: the cell a finding is in (0-based index among all cells) and its range inside that cell. */
  cell?: { index: number; range: Range };
}

/** A finding attached to a file, as the CLI and the workspace scan report them. */
export interface FileFindings {
  path: string;
  findings: Finding[];
}

/** The documentation of a rule under the fixed headings (Ruff's layout). */
export interface RuleDocs {
  /** What it does: one paragraph. */
  what: string;
  /** Why is this bad? */
  why: string;
  /** Example: code that triggers the rule. */
  example: string;
  /** Use instead: the fixed code. */
  useInstead: string;
  references?: string[];
}

/** Metadata of a rule; the rule table, docs pages, SARIF rules and LSP code descriptions derive from it. */
export interface RuleMeta {
  /** Family + three digits, e.g. `SER001`. */
  id: string;
  /** Kebab-case name of the anti-pattern, e.g. `pickle-deserialization`. */
  name: string;
  family: RuleFamily;
  severity: Severity;
  practice: Practice;
  languages: TargetLanguage[];
  /** One line that says what the rule finds. */
  summary: string;
  /** The tools or papers that have the same rule, e.g. `bandit B301`. */
  provenance?: string[];
  /** Whether the rule offers a fix, and how safe it is. */
  fix: 'none' | 'safe' | 'unsafe';
  docs: RuleDocs;
}
