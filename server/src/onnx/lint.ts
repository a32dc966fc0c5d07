/**
 * Model lint: runs the MODEL rules (rules/model) over a decoded model and collects plain
 * findings. Knows nothing of LSP; the server turns findings into diagnostics on the .onnx
 * file, the CLI prints them.
 */
import type { Finding, Range, RelatedLocation, RuleMeta, Severity } from '../../../protocol/findings';
import { decodeModelFile } from './decode';
import type { OnnxModel } from './model';

export interface ModelReportOptions {
  /** Overrides the rule's default severity for this finding. */
  severity?: Severity;
  related?: RelatedLocation[];
}

export interface NonFiniteScanBudget {
  /** Bytes read at most per tensor (larger tensors are sampled). Default 4 MiB. */
  maxBytesPerTensor: number;
  /** Bytes read at most over the whole model; tensors beyond it are not scanned. Default 64 MiB. */
  maxBytesTotal: number;
}

export interface LintModelOptions {
  /** Rule ids to run (default: all). */
  only?: readonly string[];
  nonFiniteScan?: Partial<NonFiniteScanBudget>;
}

/** What a MODEL rule's `check` receives. */
export interface ModelContext {
  /** Absolute path of the model file. */
  readonly path: string;
  readonly model: OnnxModel;
  readonly nonFiniteScan: NonFiniteScanBudget;
  /** Reports at a range of the file (the binary file has no lines: use `reportModel`). */
  report(range: Range, message: string, options?: ModelReportOptions): void;
  /** Reports on the model file as a whole (line 0). */
  reportModel(message: string, options?: ModelReportOptions): void;
}

/** A MODEL rule, as rules/model/<ID>-<name>/rule.ts defines it. */
export interface ModelRule {
  readonly target: 'onnx';
  readonly meta: RuleMeta;
  check(ctx: ModelContext): void | Promise<void>;
}

/** Line 0 of the binary file: where model-level findings go. */
export const MODEL_FILE_RANGE: Range = { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };

/** Runs `rules` over a decoded model. */
export async function lintDecodedModel(model: OnnxModel, rules: readonly ModelRule[], options: LintModelOptions = {}): Promise<Finding[]> {
  const findings: Finding[] = [];
  const nonFiniteScan: NonFiniteScanBudget = {
    maxBytesPerTensor: options.nonFiniteScan?.maxBytesPerTensor ?? 4 * 1024 * 1024,
    maxBytesTotal: options.nonFiniteScan?.maxBytesTotal ?? 64 * 1024 * 1024,
  };
  for (const rule of rules) {
    if (options.only && !options.only.includes(rule.meta.id)) continue;
    const report = (range: Range, message: string, reportOptions?: ModelReportOptions): void => {
      const finding: Finding = { rule: rule.meta.id, severity: reportOptions?.severity ?? rule.meta.severity, message, range };
      if (reportOptions?.related?.length) finding.related = reportOptions.related;
      findings.push(finding);
    };
    const ctx: ModelContext = {
      path: model.path,
      model,
      nonFiniteScan,
      report,
      reportModel: (message, reportOptions) => report(MODEL_FILE_RANGE, message, reportOptions),
    };
    await rule.check(ctx);
  }
  return findings;
}

/**
 * Decodes the model at `path` and runs the MODEL rules. Throws `OnnxDecodeError` when the
 * file is not a decodable model (callers show that as the one problem of the file) and the
 * fs error when it cannot be opened.
 */
export async function lintModel(path: string, options: LintModelOptions = {}): Promise<Finding[]> {
  // Loaded lazily: rules/model imports this module for its types.
  const { modelRules } = await import('../../../rules/model/index');
  return lintDecodedModel(decodeModelFile(path), modelRules, options);
}
