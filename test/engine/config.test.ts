/** Project configuration: formats, precedence, and errors that become findings while the defaults apply. */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createLinter } from '../../server/src/compose';
import { tempWorkspace } from '../helpers/workspace';

const tree = (files: Record<string, string>): string => tempWorkspace(files, 'mlh-config-');

const LOAD = 'import pickle\npickle.load(f)\n';

async function rulesFound(dir: string, file: string): Promise<string[]> {
  const linter = createLinter({ workspaceRoot: dir });
  return (await linter.lintFile(path.join(dir, file))).map((f) => `${f.rule}:${f.severity}`);
}

describe('configuration', () => {
  it('reads .ml-hygiene.yaml and pyproject.toml; the nearest wins whole', async () => {
    const dir = tree({
      'pyproject.toml': '[project]\nname = "x"\n\n[tool.ml-hygiene.severity]\nSER001 = "warning"\n',
      'a.py': LOAD,
      'sub/.ml-hygiene.yaml': 'ignore: [SER]\n',
      'sub/b.py': LOAD,
      'sub/deeper/c.py': LOAD,
      'other/pyproject.toml': '[project]\nname = "no table here"\n',
      'other/d.py': LOAD,
    });
    assert.deepEqual(await rulesFound(dir, 'a.py'), ['SER001:warning']);
    assert.deepEqual(await rulesFound(dir, 'sub/b.py'), []);
    assert.deepEqual(await rulesFound(dir, 'sub/deeper/c.py'), []);
    // A pyproject.toml without [tool.ml-hygiene] is not a configuration: the parent's applies.
    assert.deepEqual(await rulesFound(dir, 'other/d.py'), ['SER001:warning']);
  });

  it('.ml-hygiene.yaml beats pyproject.toml in the same folder; select, family severity, off', async () => {
    const dir = tree({
      'pyproject.toml': '[tool.ml-hygiene]\nignore = ["SER001"]\n',
      '.ml-hygiene.yaml': 'select: [SER]\nseverity:\n  SER: info\n',
      'a.py': LOAD,
    });
    assert.deepEqual(await rulesFound(dir, 'a.py'), ['SER001:info']);
    fs.writeFileSync(path.join(dir, '.ml-hygiene.yaml'), 'severity:\n  SER001: "off"\n');
    assert.deepEqual(await rulesFound(dir, 'a.py'), []);
  });

  it('exclude takes gitignore patterns relative to the config', async () => {
    const dir = tree({ '.ml-hygiene.yaml': 'exclude: ["legacy/**"]\n', 'legacy/old.py': LOAD, 'new.py': LOAD });
    const linter = createLinter({ workspaceRoot: dir });
    assert.equal(linter.configFor(path.join(dir, 'legacy/old.py')).isExcluded(path.join(dir, 'legacy/old.py')), true);
    assert.equal(linter.configFor(path.join(dir, 'new.py')).isExcluded(path.join(dir, 'new.py')), false);
  });

  for (const [name, file, text, pattern, line] of [
    ['invalid YAML', '.ml-hygiene.yaml', 'select: [SER\n', /invalid YAML/, 1],
    ['an unknown key', '.ml-hygiene.yaml', 'selekt: [SER]\n', /unknown key 'selekt'/, 0],
    ['an unknown rule', '.ml-hygiene.yaml', 'ignore:\n  - SER001\n  - XYZ999\n', /unknown rule or family 'XYZ999'/, 2],
    ['a bad severity', '.ml-hygiene.yaml', 'severity:\n  SER001: fatal\n', /must be one of error, warning, info, hint, off/, 1],
    ['a wrong type', '.ml-hygiene.yaml', 'exclude: 3\n', /'exclude' must be a list of strings/, 0],
    ['a YAML list at the top', '.ml-hygiene.yaml', '- SER\n', /must be a mapping/, 0],
    ['invalid TOML in our table', 'pyproject.toml', '[tool.ml-hygiene]\nselect = [SER\n', /invalid TOML/, 1],
    ['an unknown rule in TOML', 'pyproject.toml', '[project]\nname="x"\n[tool.ml-hygiene]\nselect = ["SER", "NOPE"]\n', /unknown rule or family 'NOPE'/, 3],
  ] as const) {
    it(`reports ${name} on the config file and applies the defaults`, async () => {
      const dir = tree({ [file]: text, 'a.py': LOAD });
      const linter = createLinter({ workspaceRoot: dir });
      const configFindings = await linter.lintFile(path.join(dir, file));
      assert.equal(configFindings.length >= 1, true, 'a finding on the config file');
      assert.equal(configFindings[0].rule, 'MLH001');
      assert.match(configFindings[0].message, pattern);
      assert.equal(configFindings[0].range.start.line, line);
      // The defaults apply to the code.
      assert.deepEqual((await linter.lintFile(path.join(dir, 'a.py'))).map((f) => f.rule), ['SER001']);
    });
  }

  it('a broken pyproject.toml without our table concerns us not', async () => {
    const dir = tree({ 'pyproject.toml': '[project\nname = \n', 'a.py': LOAD });
    const linter = createLinter({ workspaceRoot: dir });
    assert.deepEqual(await linter.lintFile(path.join(dir, 'pyproject.toml')), []);
  });
});
