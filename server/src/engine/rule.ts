/**
 * The rule contract. A rule is plain metadata plus a `check` over a context; it knows
 * nothing of LSP or of how findings are shown.
 */
import type { Finding, Fix, Range, RelatedLocation, RuleMeta, Severity } from '../../../protocol/findings';
import type { PythonModule } from './python/module';
import type { ProjectFacts } from './project';
import type { Node } from 'web-tree-sitter';

export interface ReportOptions {
  fixes?: Fix[];
  related?: RelatedLocation[];
  /** Overrides the rule's default severity for this one finding (e.g. a dangerous pickle). */
  severity?: Severity;
}

/** What every context offers: where the file is and how to report. */
export interface BaseContext {
  /** Absolute path of the file being checked (may be a virtual path for unsaved buffers). */
  readonly path: string;
  readonly project: ProjectFacts;
  report(range: Range, message: string, options?: ReportOptions): void;
}

export interface PythonContext extends BaseContext {
  readonly source: string;
  readonly module: PythonModule;
  /** Report on a syntax node's range. */
  reportNode(node: Node, message: string, options?: ReportOptions): void;
}

export interface PythonRule {
  readonly target: 'python';
  readonly meta: RuleMeta;
  /**
   * Top-level modules at least one of which the file must import for the rule to run
   * (checked first on the text's import lines, before parsing, then on the parsed
   * imports). Omit to always run.
   */
  readonly requires?: readonly string[];
  check(ctx: PythonContext): void;
}

/** Global imported by a pickle, as the pickle reader reports it. */
export interface PickleGlobalRef {
  module: string;
  name: string;
  /** Byte offset of the opcode that named it, within `member` when there is one. */
  offset: number;
  /** The archive member the pickle came from (`archive/data.pkl`), for zip-based formats. */
  member?: string;
}

export interface PickleContext extends BaseContext {
  readonly globals: readonly PickleGlobalRef[];
  /** The format found: `pickle`, `zip` (torch-style archive), `joblib`. */
  readonly container: string;
  readonly protocol: number | undefined;
  /** What the reader could not read (truncation, corruption), with the byte offset. */
  readonly errors?: readonly { message: string; offset: number; member?: string }[];
}

export interface PickleRule {
  readonly target: 'pickle';
  readonly meta: RuleMeta;
  check(ctx: PickleContext): void;
}

/**
 * Findings the engine itself raises (configuration errors, unreadable files, syntax
 * errors): metadata and docs like every rule, no check of their own.
 */
export interface EngineRule {
  readonly target: 'engine';
  readonly meta: RuleMeta;
}

export type Rule = PythonRule | PickleRule | ModelRuleLike | EngineRule;

/**
 * Rules over decoded ONNX models (rules/model). The context is declared by the ONNX module
 * (a type-only import: the engine does not load the decoder).
 */
export interface ModelRuleLike {
  readonly target: 'onnx';
  readonly meta: RuleMeta;
  check(ctx: import('../onnx/lint').ModelContext): void | Promise<void>;
}

/** Identity helper that type-checks a rule definition. */
export function defineRule<R extends Rule>(rule: R): R {
  return rule;
}

/** Accumulates findings for one file and one rule at a time. */
export class FindingSink {
  readonly findings: Finding[] = [];
  add(meta: RuleMeta, range: Range, message: string, options: ReportOptions | undefined, severity: Severity): void {
    const finding: Finding = { rule: meta.id, severity: options?.severity ?? severity, message, range };
    if (options?.related?.length) finding.related = options.related;
    if (options?.fixes?.length) finding.fixes = options.fixes;
    this.findings.push(finding);
  }
}
