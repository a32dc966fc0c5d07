/**
 * Runs every rule's fixtures through the real engine (tree-sitter parse, name resolution,
 * configuration, suppressions). A fixture marks each expected finding with a trailing
 * `# expect: RULE` comment on the line where the finding starts; `valid*` fixtures
 * must produce no finding of the rule. Each `invalid*` fixture also has a snapshot
 * (`<fixture>.snap`) of the full findings, messages and fixes included: rewrite them
 * with UPDATE_SNAPSHOTS=1 and review the diff.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { LINT_RULES } from '../../rules';
import { Linter } from '../../server/src/engine/lint';
import type { Finding } from '../../protocol/findings';
import { applyEdits } from '../helpers/edits';

const RULES_DIR = path.join(__dirname, '..', '..', 'rules');

function ruleFolders(): Array<{ id: string; dir: string }> {
  const out: Array<{ id: string; dir: string }> = [];
  for (const family of fs.readdirSync(RULES_DIR, { withFileTypes: true })) {
    if (!family.isDirectory()) continue;
    for (const folder of fs.readdirSync(path.join(RULES_DIR, family.name), { withFileTypes: true })) {
      const m = /^([A-Z]+\d{3})-/.exec(folder.name);
      if (folder.isDirectory() && m) out.push({ id: m[1], dir: path.join(RULES_DIR, family.name, folder.name) });
    }
  }
  return out;
}

function pythonFixtures(dir: string): string[] {
  const out: string[] = [];
  if (!fs.existsSync(dir)) return out;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...pythonFixtures(p));
    else if (e.name.endsWith('.py')) out.push(p);
  }
  return out.sort();
}

export function renderFindings(findings: Finding[], source: string): string {
  const lines = source.split('\n');
  return findings
    .map((f) => {
      const r = f.range;
      const where = `${r.start.line + 1}:${r.start.character + 1}-${r.end.line + 1}:${r.end.character + 1}`;
      let s = `${where} ${f.rule} ${f.severity}: ${f.message}\n    | ${lines[r.start.line] ?? ''}`;
      for (const rel of f.related ?? []) s += `\n    related ${rel.range.start.line + 1}:${rel.range.start.character + 1}: ${rel.message}`;
      for (const fix of f.fixes ?? []) {
        s += `\n    fix (${fix.safety}): ${fix.title}`;
        const fixed = applyEdits(source, fix.edits.filter((e) => !e.path));
        const changed = fixed.split('\n').filter((l, i) => l !== lines[i]).slice(0, 3);
        for (const l of changed) s += `\n      + ${l}`;
      }
      return s;
    })
    .join('\n');
}

const python = LINT_RULES.filter((r) => r.target === 'python');

describe('rule fixtures', () => {
  it('every rule folder is registered and every python rule has valid and invalid fixtures', () => {
    const registered = new Set(LINT_RULES.map((r) => r.meta.id));
    for (const { id, dir } of ruleFolders()) {
      if (id.startsWith('MLH')) continue;
      assert.ok(registered.has(id), `${id} (${dir}) is not listed in rules/index.ts`);
    }
    for (const rule of python) {
      const folder = ruleFolders().find((f) => f.id === rule.meta.id);
      assert.ok(folder, `${rule.meta.id} has no folder under rules/`);
      const files = pythonFixtures(path.join(folder.dir, 'fixtures')).map((f) => path.basename(f));
      assert.ok(files.some((f) => f.startsWith('invalid')), `${rule.meta.id} has no invalid fixture`);
      assert.ok(files.some((f) => f.startsWith('valid')), `${rule.meta.id} has no valid fixture`);
    }
  });

  for (const rule of python) {
    const folder = ruleFolders().find((f) => f.id === rule.meta.id);
    if (!folder) continue;
    for (const fixture of pythonFixtures(path.join(folder.dir, 'fixtures'))) {
      const name = path.relative(folder.dir, fixture);
      it(`${rule.meta.id} ${name}`, async () => {
        const linter = new Linter({ rules: [rule], workspaceRoot: path.dirname(fixture) });
        const source = fs.readFileSync(fixture, 'utf8');
        const { findings } = await linter.lintPythonAsync(fixture, source);
        const own = findings.filter((f) => f.rule === rule.meta.id);
        const expected: number[] = [];
        source.split('\n').forEach((line, i) => {
          const m = /#\s*expect:\s*([A-Z]+\d{3}(?:\s*,\s*[A-Z]+\d{3})*)/.exec(line);
          if (m && m[1].split(/\s*,\s*/).includes(rule.meta.id)) expected.push(i + 1);
        });
        const actual = own.map((f) => f.range.start.line + 1);
        const isValid = path.basename(fixture).startsWith('valid');
        if (isValid) assert.deepEqual(actual, [], `valid fixture has findings:\n${renderFindings(own, source)}`);
        else assert.ok(expected.length > 0, 'invalid fixture has no `# expect:` markers');
        assert.deepEqual(actual, expected, `finding lines differ from the markers:\n${renderFindings(own, source)}`);
        if (!isValid) {
          const snapFile = fixture + '.snap';
          const rendered = renderFindings(own, source) + '\n';
          if (process.env.UPDATE_SNAPSHOTS || !fs.existsSync(snapFile)) fs.writeFileSync(snapFile, rendered);
          assert.equal(rendered, fs.readFileSync(snapFile, 'utf8'), `snapshot ${snapFile} differs; rerun with UPDATE_SNAPSHOTS=1 and review`);
        }
        // Fixed code must lint clean of this finding (for safe fixes that remove it).
        for (const f of own)
          for (const fix of f.fixes ?? []) {
            if (fix.safety !== 'safe' || fix.edits.some((e) => e.path)) continue;
            const fixed = applyEdits(source, fix.edits);
            const again = (await linter.lintPythonAsync(fixture, fixed)).findings.filter(
              (g) => g.rule === rule.meta.id && g.range.start.line === f.range.start.line,
            );
            assert.deepEqual(again.map((g) => g.message), [], `fix "${fix.title}" does not remove the finding at line ${f.range.start.line + 1}`);
          }
      });
    }
  }
});
