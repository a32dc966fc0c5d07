/**
 * The rule docs and the README's rule table are generated from the rules' metadata:
 * fail when they are stale, and run every Python rule's docs examples (the example
 * must trigger the rule, the "use instead" code must not).
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ALL_RULES } from '../rules';
import { DOCS_DIR, README, expectedDocs, readmeWithTable } from '../scripts/docs';
import { Linter } from '../server/src/engine/lint';
import type { PythonRule } from '../server/src/engine/rule';

describe('generated docs', () => {
  it('docs/rules/*.md are up to date (run `npm run docs`)', () => {
    const expected = expectedDocs();
    for (const [file, text] of expected) {
      assert.ok(fs.existsSync(file), `${path.basename(file)} is missing: run npm run docs`);
      assert.equal(fs.readFileSync(file, 'utf8'), text, `${path.basename(file)} is stale: run npm run docs`);
    }
    for (const f of fs.readdirSync(DOCS_DIR)) assert.ok(expected.has(path.join(DOCS_DIR, f)), `${f} belongs to no rule`);
  });

  it("the README's rule table is up to date (run `npm run docs`)", () => {
    const readme = fs.readFileSync(README, 'utf8');
    assert.equal(readme, readmeWithTable(readme), 'README rule table is stale: run npm run docs');
  });

  it('every rule has complete metadata and docs', () => {
    const ids = new Set<string>();
    for (const { meta } of ALL_RULES) {
      assert.match(meta.id, /^[A-Z]+\d{3}$/);
      assert.ok(meta.id.startsWith(meta.family), `${meta.id} is not in family ${meta.family}`);
      assert.ok(!ids.has(meta.id), `duplicate id ${meta.id}`);
      ids.add(meta.id);
      assert.match(meta.name, /^[a-z0-9]+(-[a-z0-9]+)*$/, `${meta.id} name must be kebab-case`);
      for (const k of ['what', 'why', 'example', 'useInstead'] as const) assert.ok(meta.docs[k]?.trim(), `${meta.id} lacks docs.${k}`);
    }
  });

  for (const rule of ALL_RULES.filter((r): r is PythonRule => r.target === 'python')) {
    it(`${rule.meta.id} docs: the example triggers the rule and "use instead" does not`, async () => {
      const linter = new Linter({ rules: [rule] });
      const file = path.join(__dirname, '..', 'docs-example.py');
      const bad = (await linter.lintPythonAsync(file, rule.meta.docs.example)).findings.filter((f) => f.rule === rule.meta.id);
      assert.ok(bad.length > 0, `${rule.meta.id}: the docs example raises no finding`);
      const good = (await linter.lintPythonAsync(file, rule.meta.docs.useInstead)).findings.filter((f) => f.rule === rule.meta.id);
      assert.deepEqual(good.map((f) => f.message), [], `${rule.meta.id}: the "use instead" code raises findings`);
    });
  }
});
