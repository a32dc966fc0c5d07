/** `ml-hygiene lint` over a tree with experiment configs: config drift (CFG005) reported in the YAML/JSON files too. */
import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import type { JsonFinding } from '../../server/src/cli/formats';
import { runCli } from '../helpers/cli';
import { tempWorkspace } from '../helpers/workspace';

const project = (files: Record<string, string>): string => tempWorkspace(files, 'mlh-cli-cfg-');


const FILES = {
  'requirements.txt': 'pyyaml\n',
  'configs/train.yaml': '# experiment\nlr: 0.1\nepochs: 3\nwarmup: 2\nmodel:\n  depth: 4\nlegacy: 1  # ml-hygiene: ignore[CFG005]\n',
  'params.json': '{\n  "alpha": 1.0,\n  "beta": 2\n}\n',
  'src/train.py':
    'import json\nimport yaml\n\nwith open("configs/train.yaml") as f:\n    cfg = yaml.safe_load(f)\nparams = json.load(open("params.json"))\n\nprint(cfg["learning_rate"], cfg["epochs"], cfg["model"]["depth"], cfg["model"]["width"], params["alpha"])\n',
  // A YAML file no Python file loads, and a tool file: never judged.
  '.github/workflows/ci.yml': 'on: push\njobs: {}\n',
  'package.json': '{"name": "x"}\n',
};

describe('CLI: config drift on the config-file side', () => {
  it('text: findings in the YAML and JSON files, beside the Python side', () => {
    const dir = project(FILES);
    const r = runCli(['lint', '.', '--select', 'CFG005', '--no-progress'], dir);
    assert.equal(r.status, 1, r.stderr);
    const lines = r.stdout.split('\n').filter((l) => l.includes('CFG005'));
    const at = (l: string) => l.split(': CFG005')[0];
    assert.deepEqual(lines.map(at), [
      path.join('configs', 'train.yaml') + ':2:1',
      path.join('configs', 'train.yaml') + ':2:1',
      path.join('configs', 'train.yaml') + ':4:1',
      path.join('configs', 'train.yaml') + ':5:1',
      'params.json:3:3',
      path.join('src', 'train.py') + ':8:11',
      path.join('src', 'train.py') + ':8:80',
    ]);
    assert.match(lines[0], /config key "learning_rate" is read by the code \(train\.py line 8\) but this file has no "learning_rate", so the run fails at that line; did you mean "lr"/);
    assert.match(lines[1], /config key "lr" is not read by the code that loads this file \(train\.py\)/);
    assert.match(lines[2], /config key "warmup" is not read/);
    assert.match(lines[3], /config key "model\.width" is read by the code .* has no "width" under "model"/);
    assert.match(lines[4], /config key "beta" is not read/);
    assert.ok(!r.stdout.includes('ci.yml') && !r.stdout.includes('package.json'), r.stdout);
  });

  it('json (and worker threads): the same config-side findings; --ignore CFG005 turns them off', () => {
    const files: Record<string, string> = { ...FILES };
    // Enough files for the CLI to lint in worker threads.
    for (let i = 0; i < 100; i++) files[`pkg/m${i}.py`] = `x = ${i}\n`;
    const dir = project(files);
    const r = runCli(['lint', '.', '--format', 'json', '--jobs', '2'], dir);
    assert.equal(r.status, 1, r.stderr);
    const findings = JSON.parse(r.stdout) as JsonFinding[];
    const onConfigs = findings.filter((f) => f.rule === 'CFG005' && !f.file.endsWith('.py'));
    assert.deepEqual(
      onConfigs.map((f) => [f.file, f.line, f.column]),
      [
        [path.join('configs', 'train.yaml'), 2, 1],
        [path.join('configs', 'train.yaml'), 2, 1],
        [path.join('configs', 'train.yaml'), 4, 1],
        [path.join('configs', 'train.yaml'), 5, 1],
        ['params.json', 3, 3],
      ],
    );
    const off = runCli(['lint', '.', '--format', 'json', '--ignore', 'CFG005'], dir);
    assert.deepEqual((JSON.parse(off.stdout) as JsonFinding[]).filter((f) => f.rule === 'CFG005'), []);
  });
});
