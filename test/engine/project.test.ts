/** Declared package versions and specifier logic (used by version-aware rules such as torch.load's). */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ProjectFactsCache, parseRequirement, specAllowsBelow } from '../../server/src/engine/project';

describe('project facts', () => {
  it('parses PEP 508 requirements', () => {
    assert.deepEqual(parseRequirement('torch[cuda]>=2.0,<3 ; python_version > "3.8"'), { name: 'torch', spec: '>=2.0,<3' });
    assert.deepEqual(parseRequirement('Torch_Vision==0.20.1'), { name: 'torch-vision', spec: '==0.20.1' });
    assert.deepEqual(parseRequirement('numpy'), { name: 'numpy', spec: '' });
    assert.equal(parseRequirement('-e git+https://x'), undefined);
  });

  it('decides whether a specifier allows a version below a bound', () => {
    const cases: Array<[string, boolean | undefined, boolean?]> = [
      ['', true],
      ['==2.5.1', true],
      ['==2.6.0', false],
      ['>=2.6', false],
      ['>=2.0', true],
      ['>=2.0,<2.6', true],
      ['>2.5', true], // 2.5.1 is allowed
      ['~=2.6', false],
      ['^2.1', true],
      ['^2.7', false],
      ['==2.*', true],
      ['2.7.0', false, true],
      ['2.5.1+cu121', true, true],
      ['>=banana', undefined],
    ];
    for (const [spec, expected, locked] of cases) assert.equal(specAllowsBelow(spec, '2.6', locked), expected, spec);
  });

  it('finds the nearest dependency files; lockfiles beat ranges', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlh-project-'));
    const write = (f: string, t: string) => {
      fs.mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
      fs.writeFileSync(path.join(dir, f), t);
    };
    write('requirements.txt', '-r base.txt\nnumpy>=1.26\n');
    write('base.txt', 'torch==2.4.1\n');
    write('svc/pyproject.toml', '[project]\ndependencies = ["torch>=2.1"]\n');
    write('svc/poetry.lock', '[[package]]\nname = "torch"\nversion = "2.7.0"\n');
    write('conda/environment.yml', 'dependencies:\n  - pytorch=2.1.0=py3.10\n  - pip:\n    - transformers==4.46\n');
    const cache = new ProjectFactsCache();
    assert.deepEqual(cache.forFile(path.join(dir, 'a/b/train.py'), dir).declared('torch'), {
      name: 'torch', spec: '==2.4.1', locked: false, source: path.join(dir, 'base.txt'),
    });
    assert.equal(cache.forFile(path.join(dir, 'svc/x.py'), dir).declared('torch')?.spec, '2.7.0');
    assert.equal(cache.forFile(path.join(dir, 'svc/x.py'), dir).declared('torch')?.locked, true);
    assert.equal(cache.forFile(path.join(dir, 'conda/x.py'), dir).declared('torch')?.spec, '==2.1.0');
    assert.equal(cache.forFile(path.join(dir, 'conda/x.py'), dir).declared('transformers')?.spec, '==4.46');
  });
});
