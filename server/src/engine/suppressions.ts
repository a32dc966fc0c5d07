/**
 * Suppression comments, in the spirit of Ruff's `# noqa`:
 *   `# ml-hygiene: ignore[SER001, CFG]`  findings of those rules/families on this line
 *   `# ml-hygiene: ignore`               every finding on this line
 *   `# ml-hygiene: ignore-file[SER]`     those rules/families in the whole file
 * A finding spanning several lines is suppressed by a comment on its first or last line.
 */
import type { Finding, Range } from '../../../protocol/findings';

export interface Suppression {
  /** Rule ids or families; `undefined` means all. */
  codes: string[] | undefined;
  fileWide: boolean;
  /** Where the comment's directive is, for "unused suppression" reports and fixes. */
  range: Range;
  used: boolean;
}

const DIRECTIVE = /ml-hygiene:\s*(ignore-file|ignore)(?:\[([^\]]*)\])?/g;

/**
 * Parses suppression directives from comment texts. `comments` gives each comment's
 * text and position; a caller that has no syntax tree can pass every `#` run of a line.
 */
export function parseSuppressions(comments: Iterable<{ text: string; line: number; character: number }>): Suppression[] {
  const out: Suppression[] = [];
  for (const c of comments) {
    DIRECTIVE.lastIndex = 0;
    for (let m = DIRECTIVE.exec(c.text); m; m = DIRECTIVE.exec(c.text)) {
      const codes = m[2]
        ?.split(',')
        .map((s) => s.trim())
        .filter(Boolean);
      out.push({
        codes: codes?.length ? codes : undefined,
        fileWide: m[1] === 'ignore-file',
        range: {
          start: { line: c.line, character: c.character + m.index },
          end: { line: c.line, character: c.character + m.index + m[0].length },
        },
        used: false,
      });
    }
  }
  return out;
}

function covers(s: Suppression, f: Finding): boolean {
  if (s.codes && !s.codes.some((code) => code === f.rule || (f.rule.startsWith(code) && /^[A-Z]+$/.test(code)))) return false;
  if (s.fileWide) return true;
  const line = s.range.start.line;
  return line === f.range.start.line || line === f.range.end.line;
}

/** Removes suppressed findings and marks the suppressions that were used. */
export function applySuppressions(findings: Finding[], suppressions: Suppression[]): Finding[] {
  if (!suppressions.length) return findings;
  return findings.filter((f) => {
    let suppressed = false;
    for (const s of suppressions)
      if (covers(s, f)) {
        s.used = true;
        suppressed = true;
      }
    return !suppressed;
  });
}
