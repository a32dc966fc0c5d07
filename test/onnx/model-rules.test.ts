/**
 * Every MODEL rule against its fixtures: each fixture model is encoded, written to a
 * temporary folder with its side files, and linted with that rule alone; the findings must
 * match the fixture's expectations one to one, in order. Also checks the rule contract
 * (folder name = id + name, docs under the fixed headings, registered in the index).
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { decodeModelFile } from '../../server/src/onnx/decode';
import { encodeModel } from '../../server/src/onnx/encode';
import { lintDecodedModel } from '../../server/src/onnx/lint';
import type { ModelFixture, RuleFixtures } from '../../rules/model/fixture';
import { modelRules } from '../../rules/model/index';
import { makeTempDir } from './helpers';

const RULES_DIR = path.resolve(__dirname, '../../rules/model');
const ruleFolders = fs.readdirSync(RULES_DIR, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name).sort();

async function lintFixture(ruleId: string, fixture: ModelFixture, dir: string) {
  const folder = path.join(dir, fixture.name);
  fs.mkdirSync(folder, { recursive: true });
  for (const [relative, bytes] of Object.entries(fixture.files ?? {})) {
    fs.mkdirSync(path.dirname(path.join(folder, relative)), { recursive: true });
    fs.writeFileSync(path.join(folder, relative), bytes);
  }
  const file = path.join(folder, fixture.fileName ?? 'model.onnx');
  fs.writeFileSync(file, encodeModel(fixture.model));
  const rule = modelRules.find((r) => r.meta.id === ruleId)!;
  return lintDecodedModel(decodeModelFile(file), [rule]);
}

describe('MODEL rules', () => {
  let dir: string;
  before(() => { dir = makeTempDir('model-rules'); });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('has one registered rule per folder, named <id>-<name>', () => {
    assert.deepEqual(modelRules.map((r) => `${r.meta.id}-${r.meta.name}`).sort(), ruleFolders);
  });

  for (const folder of ruleFolders) {
    const id = folder.split('-')[0];
    describe(folder, () => {
      const { fixtures } = require(path.join(RULES_DIR, folder, 'fixtures.ts')) as { fixtures: RuleFixtures };
      const rule = () => modelRules.find((r) => r.meta.id === id)!;

      it('has metadata and docs under the fixed headings', () => {
        const meta = rule().meta;
        assert.equal(meta.family, 'MODEL');
        assert.equal(meta.practice, 'P9');
        assert.deepEqual(meta.languages, ['onnx']);
        for (const key of ['what', 'why', 'example', 'useInstead'] as const) assert.ok(meta.docs[key].trim().length > 20, `${id} docs.${key}`);
        assert.ok(fixtures.valid.length >= 1 && fixtures.invalid.length >= 1, 'needs valid and invalid fixtures');
      });

      for (const fixture of [...fixtures.valid, ...fixtures.invalid]) {
        it(`${fixtures.valid.includes(fixture) ? 'valid' : 'invalid'}: ${fixture.name} (${fixture.why})`, async () => {
          const findings = await lintFixture(id, fixture, path.join(dir, folder));
          const messages = findings.map((f) => f.message);
          assert.equal(findings.length, fixture.expect.length, `findings: ${JSON.stringify(messages, null, 1)}`);
          fixture.expect.forEach((expected, i) => assert.ok(messages[i].includes(expected), `finding ${i}: ${messages[i]}\n  should include: ${expected}`));
          for (const f of findings) {
            assert.equal(f.rule, id);
            assert.deepEqual(f.range.start, { line: 0, character: 0 });
          }
        });
      }
    });
  }
});
