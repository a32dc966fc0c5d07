/** Suppression comments on lines and files, by id and by family, only in real comments. */
import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import { createLinter } from '../../server/src/compose';

async function lines(source: string): Promise<number[]> {
  const linter = createLinter();
  const { findings, module } = await linter.lintPythonAsync(path.join(__dirname, 'x.py'), source);
  module?.dispose();
  return findings.map((f) => f.range.start.line + 1);
}

describe('suppressions', () => {
  it('ignore[ID], ignore[FAMILY], bare ignore, and other ids leave the finding', async () => {
    assert.deepEqual(
      await lines(`import pickle
pickle.load(a)  # ml-hygiene: ignore[SER001]
pickle.load(b)  # ml-hygiene: ignore[SER]
pickle.load(c)  # ml-hygiene: ignore
pickle.load(d)  # ml-hygiene: ignore[SER002, CFG001]
pickle.load(e)
`),
      [5, 6],
    );
  });

  it('multi-line findings are suppressed on their first or last line', async () => {
    assert.deepEqual(await lines('import pickle\nx = pickle.load(\n    f\n)  # ml-hygiene: ignore[SER001]\ny = pickle.load(  # ml-hygiene: ignore\n    g)\n'), []);
  });

  it('ignore-file suppresses across the file; a directive inside a string does nothing', async () => {
    assert.deepEqual(await lines('# ml-hygiene: ignore-file[SER001]\nimport pickle\npickle.load(a)\npickle.load(b)\n'), []);
    assert.deepEqual(await lines('import pickle\ns = "# ml-hygiene: ignore-file"\npickle.load(a)\n'), [3]);
  });
});
