/**
 * Output formats of `ml-hygiene lint`: text for people, JSON for scripts, SARIF 2.1.0
 * for code-scanning services. Lines and columns are 1-based in every format.
 */
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { FileFindings, Finding, RuleMeta, Severity } from '../../../protocol/findings';

export type OutputFormat = 'text' | 'json' | 'sarif';

export interface JsonFinding {
  file: string;
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  rule: string;
  severity: Severity;
  message: string;
  /** Notebooks: the cell (1-based, as editors number them) and the 1-based line within it (also in `line`). */
  cell?: number;
  cellLine?: number;
  fixable?: boolean;
  /** The other end of the finding (the split a leak reaches, the line that saves the model), 1-based. */
  related?: { file: string; line: number; column: number; message: string }[];
}

export function displayPath(file: string, cwd: string): string {
  const rel = path.relative(cwd, file);
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : file;
}

export function toJsonFinding(file: string, f: Finding, cwd: string): JsonFinding {
  const out: JsonFinding = {
    file: displayPath(file, cwd),
    line: f.range.start.line + 1,
    column: f.range.start.character + 1,
    endLine: f.range.end.line + 1,
    endColumn: f.range.end.character + 1,
    rule: f.rule,
    severity: f.severity,
    message: f.message,
  };
  if (f.cell) {
    out.cell = f.cell.index + 1;
    out.cellLine = f.cell.range.start.line + 1;
  }
  if (f.fixes?.some((x) => !x.disabled)) out.fixable = true;
  if (f.related?.length)
    out.related = f.related.map((r) => ({ file: displayPath(r.path ?? file, cwd), line: r.range.start.line + 1, column: r.range.start.character + 1, message: r.message }));
  return out;
}

const COLORS: Record<Severity, string> = { error: '\x1b[31m', warning: '\x1b[33m', info: '\x1b[36m', hint: '\x1b[2m' };

export function formatText(results: FileFindings[], cwd: string, color: boolean): string {
  const lines: string[] = [];
  const counts: Record<Severity, number> = { error: 0, warning: 0, info: 0, hint: 0 };
  for (const { path: file, findings } of results)
    for (const f of findings) {
      counts[f.severity]++;
      // Notebooks: `nb.ipynb:cell 3:2:5`, the cell counted from 1 as Jupyter shows it, then the line in the cell.
      const cell = f.cell ? `cell ${f.cell.index + 1}:` : '';
      const where = `${displayPath(file, cwd)}:${cell}${f.range.start.line + 1}:${f.range.start.character + 1}`;
      const rule = color ? `${COLORS[f.severity]}${f.rule}\x1b[0m` : f.rule;
      lines.push(`${color ? '\x1b[1m' + where + '\x1b[0m' : where}: ${rule} [${f.severity}] ${f.message}`);
    }
  const total = counts.error + counts.warning + counts.info + counts.hint;
  const files = results.filter((r) => r.findings.length).length;
  lines.push(
    total
      ? `Found ${total} problem${total === 1 ? '' : 's'} in ${files} file${files === 1 ? '' : 's'} (${counts.error} errors, ${counts.warning} warnings, ${counts.info + counts.hint} infos).`
      : `No problems found in ${results.length} file${results.length === 1 ? '' : 's'}.`,
  );
  return lines.join('\n') + '\n';
}

export function formatJson(results: FileFindings[], cwd: string): string {
  const out: JsonFinding[] = [];
  for (const { path: file, findings } of results) for (const f of findings) out.push(toJsonFinding(file, f, cwd));
  return JSON.stringify(out, null, 2) + '\n';
}

const SARIF_LEVEL: Record<Severity, 'error' | 'warning' | 'note'> = { error: 'error', warning: 'warning', info: 'note', hint: 'note' };

export function formatSarif(results: FileFindings[], rules: readonly RuleMeta[], cwd: string, version: string, docsBase: string): string {
  const ruleIndex = new Map(rules.map((r, i) => [r.id, i]));
  const sarifResults = [];
  for (const { path: file, findings } of results)
    for (const f of findings) {
      const rel = displayPath(file, cwd);
      const inside = !path.isAbsolute(rel);
      const result: Record<string, unknown> = {
        ruleId: f.rule,
        ruleIndex: ruleIndex.get(f.rule),
        level: SARIF_LEVEL[f.severity],
        message: { text: f.message },
        locations: [
          {
            physicalLocation: {
              artifactLocation: inside ? { uri: rel.split(path.sep).join('/'), uriBaseId: '%SRCROOT%' } : { uri: pathToFileURL(file).href },
              region: {
                startLine: f.range.start.line + 1,
                startColumn: f.range.start.character + 1,
                endLine: f.range.end.line + 1,
                endColumn: f.range.end.character + 1,
              },
            },
          },
        ],
      };
      if (f.related?.length)
        result.relatedLocations = f.related.map((r, i) => ({
          id: i,
          message: { text: r.message },
          physicalLocation: {
            artifactLocation: { uri: displayPath(r.path ?? file, cwd).split(path.sep).join('/'), uriBaseId: '%SRCROOT%' },
            region: { startLine: r.range.start.line + 1, startColumn: r.range.start.character + 1 },
          },
        }));
      sarifResults.push(result);
    }
  const sarif = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'ml-hygiene',
            version,
            rules: rules.map((r) => ({
              id: r.id,
              name: r.name,
              shortDescription: { text: r.summary },
              fullDescription: { text: r.docs.what },
              help: { text: `${r.docs.why}\n\nUse instead:\n${r.docs.useInstead}`, markdown: `${r.docs.why}\n\n**Use instead:**\n\n\`\`\`python\n${r.docs.useInstead}\n\`\`\`` },
              helpUri: `${docsBase}/${r.id}.md`,
              defaultConfiguration: { level: SARIF_LEVEL[r.severity] },
              properties: { tags: [r.family, r.practice], practice: r.practice, family: r.family },
            })),
          },
        },
        originalUriBaseIds: { '%SRCROOT%': { uri: pathToFileURL(cwd + path.sep).href } },
        results: sarifResults,
      },
    ],
  };
  return JSON.stringify(sarif, null, 2) + '\n';
}
