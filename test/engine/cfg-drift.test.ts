/**
 * Config drift (CFG005) on the config-file side: `configDriftFindings`, the hook the LSP
 * layer and the CLI call for YAML/JSON files, tested directly.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createLinter } from '../../server/src/compose';
import {
  configDriftFindings,
  driftSearchRoot,
  findConfigLoads,
  isExperimentConfigFile,
  lintExperimentConfig,
  MAX_CONFIG_BYTES,
  parseConfigText,
  PythonSourceIndex,
} from '../../server/src/engine/config-files';
import { grammarParser } from '../../server/src/engine/parser';
import { PythonModule } from '../../server/src/engine/python/module';
import { tempWorkspace } from '../helpers/workspace';

const project = (files: Record<string, string>): string => tempWorkspace(files, 'mlh-cfg-drift-');

function pythonFiles(dir: string): Array<{ path: string }> {
  const out: Array<{ path: string }> = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(path.join(d, e.name));
      else if (e.name.endsWith('.py')) out.push({ path: path.join(d, e.name) });
    }
  };
  walk(dir);
  return out;
}

const CONFIG = `# experiment
lr: 0.01
epochs: 10
unused_flag: true
model:
  hidden: 128
  dropout: 0.1
data:
  path: data/train.csv
  shuffle: true
`;

const TRAIN = `import yaml

with open("config.yaml") as f:
    cfg = yaml.safe_load(f)

lr = cfg["lr"]
hidden = cfg["model"]["hidden"]
`;

const EVALUATE = `import yaml
from pathlib import Path

cfg = yaml.safe_load(Path(__file__).with_name("config.yaml").read_text())
print(cfg.get("epochs"), cfg["data"]["path"])
`;

describe('CFG005 config drift on the config file (configDriftFindings)', () => {
  it('reports the keys no loading script reads, at their position in the file', async () => {
    const dir = project({ 'config.yaml': CONFIG, 'train.py': TRAIN, 'evaluate.py': EVALUATE, 'other.py': 'print(1)\n' });
    const findings = await configDriftFindings(path.join(dir, 'config.yaml'), pythonFiles(dir), { root: dir });
    assert.deepEqual(
      findings.map((f) => [f.rule, f.range.start.line + 1, f.range.start.character + 1, f.message.split(' is not')[0]]),
      [
        ['CFG005', 4, 1, 'config key "unused_flag"'],
        ['CFG005', 7, 3, 'config key "model.dropout"'],
        ['CFG005', 10, 3, 'config key "data.shuffle"'],
      ],
    );
    assert.match(findings[0].message, /\(evaluate\.py, train\.py\)/);
    assert.equal(findings[0].severity, 'warning');
    // The range covers the key itself.
    assert.deepEqual(findings[0].range, { start: { line: 3, character: 0 }, end: { line: 3, character: 11 } });
  });

  it('says nothing when no Python file loads the config (CI, tool and data YAML are not judged)', async () => {
    const dir = project({ 'config.yaml': CONFIG, 'train.py': 'import yaml\nx = yaml.safe_load(open("other.yaml"))\nprint(x["a"])\n' });
    assert.deepEqual(await configDriftFindings(path.join(dir, 'config.yaml'), pythonFiles(dir), { root: dir }), []);
  });

  it('says nothing when the config is used in a way that cannot be followed', async () => {
    for (const use of ['run(cfg)', 'for k, v in cfg.items():\n    print(k)', 'Model(**cfg)', 'print(cfg[key])', 'cfg = cfg["model"]']) {
      const dir = project({ 'config.yaml': CONFIG, 'train.py': `import yaml\ncfg = yaml.safe_load(open("config.yaml"))\nprint(cfg["lr"])\n${use}\n` });
      assert.deepEqual(await configDriftFindings(path.join(dir, 'config.yaml'), pythonFiles(dir), { root: dir }), [], use);
    }
  });

  it('counts a subtree passed on whole as read, and follows aliases', async () => {
    const source = 'import yaml\ncfg = yaml.safe_load(open("config.yaml"))\nmodel = build(**cfg["model"])\ndata = cfg["data"]\nprint(data["path"], data["shuffle"], cfg["lr"], cfg["epochs"])\n';
    const dir = project({ 'config.yaml': CONFIG, 'train.py': source });
    const findings = await configDriftFindings(path.join(dir, 'config.yaml'), pythonFiles(dir), { root: dir });
    assert.deepEqual(findings.map((f) => f.message.split(' is not')[0]), ['config key "unused_flag"']);
  });

  it('follows Hydra: the decorated function reads keys with attributes; interpolations and _target_ count as read', async () => {
    const conf = 'train:\n  lr: 0.1\n  epochs: 3\n  warmup: ${train.epochs}\nmodel:\n  _target_: mypkg.Net\n  width: 64\nlogging:\n  level: info\n';
    const source = 'import hydra\n\n@hydra.main(config_path="conf", config_name="train", version_base=None)\ndef main(cfg):\n    print(cfg.train.lr, cfg.model.width, cfg.train.warmup)\n';
    const dir = project({ 'conf/train.yaml': conf, 'run.py': source });
    const findings = await configDriftFindings(path.join(dir, 'conf', 'train.yaml'), pythonFiles(dir), { root: dir });
    assert.deepEqual(findings.map((f) => f.message.split(' is not')[0]), ['config key "logging"']);
  });

  it("does not call Hydra's own `hydra:` section unread (found in Hydra's examples)", async () => {
    const conf = 'hydra:\n  job:\n    name: from_config\n  sweep:\n    dir: multirun\nlr: 0.1\nunused: 1\n';
    const source = 'import hydra\n\n@hydra.main(config_path=".", config_name="config", version_base=None)\ndef main(cfg):\n    print(cfg.lr)\n';
    const dir = project({ 'config.yaml': conf, 'app.py': source });
    const findings = await configDriftFindings(path.join(dir, 'config.yaml'), pythonFiles(dir), { root: dir });
    assert.deepEqual(findings.map((f) => f.message.split(' is not')[0]), ['config key "unused"']);
    // A plain YAML load has no such exception.
    const plain = project({ 'config.yaml': conf, 'app.py': 'import yaml\ncfg = yaml.safe_load(open("config.yaml"))\nprint(cfg["lr"], cfg["unused"])\n' });
    assert.deepEqual((await configDriftFindings(path.join(plain, 'config.yaml'), pythonFiles(plain), { root: plain })).map((f) => f.message.split(' is not')[0]), ['config key "hydra"']);
  });

  it('skips Hydra-composed configs (a defaults list) and invalid files', async () => {
    const dir = project({
      'conf/train.yaml': 'defaults:\n  - model: resnet\nlr: 0.1\nextra: 1\n',
      'broken.yaml': 'a: [1\n',
      'run.py': 'import hydra, yaml\n@hydra.main(config_path="conf", config_name="train")\ndef main(cfg):\n    print(cfg.lr)\nb = yaml.safe_load(open("broken.yaml"))\nprint(b["a"])\n',
    });
    assert.deepEqual(await configDriftFindings(path.join(dir, 'conf', 'train.yaml'), pythonFiles(dir), { root: dir }), []);
    assert.deepEqual(await configDriftFindings(path.join(dir, 'broken.yaml'), pythonFiles(dir), { root: dir }), []);
  });

  it('reads JSON configs and unsaved buffers (Python and config text passed in)', async () => {
    const dir = project({ 'params.json': '{\n  "lr": 0.1,\n  "old": 2\n}\n', 'train.py': 'print("placeholder")\n' });
    const buffer = 'import json\nwith open("params.json") as f:\n    p = json.load(f)\nprint(p["lr"])\n';
    const findings = await configDriftFindings(path.join(dir, 'params.json'), [{ path: path.join(dir, 'train.py'), text: buffer }], { root: dir });
    assert.deepEqual(findings.map((f) => [f.range.start.line + 1, f.message.split(' is not')[0]]), [[3, 'config key "old"']]);
    const edited = await configDriftFindings(path.join(dir, 'params.json'), [{ path: path.join(dir, 'train.py'), text: buffer }], {
      root: dir,
      configText: '{"lr": 0.1}',
    });
    assert.deepEqual(edited, []);
  });

  it('resolves paths relative to the working directory from the script folder up to the root', async () => {
    const dir = project({ 'configs/base.yaml': 'lr: 1\nunused: 2\n', 'src/train.py': 'import yaml\nc = yaml.safe_load(open("configs/base.yaml"))\nprint(c["lr"])\n' });
    const module = PythonModule.parse(await grammarParser('python'), fs.readFileSync(path.join(dir, 'src/train.py'), 'utf8'));
    try {
      const [load] = findConfigLoads(module, path.join(dir, 'src/train.py'), dir);
      assert.equal(load.file, path.join(dir, 'configs/base.yaml'));
      assert.deepEqual(findConfigLoads(module, path.join(dir, 'src/other.py')).map((l) => l.file), [undefined], 'without a root, only the script folder');
    } finally {
      module.dispose();
    }
    const findings = await configDriftFindings(path.join(dir, 'configs/base.yaml'), pythonFiles(dir), { root: dir });
    assert.deepEqual(findings.map((f) => f.message.split(' is not')[0]), ['config key "unused"']);
  });

  it('parses config text with key ranges and tells experiment configs from tool files', () => {
    const parsed = parseConfigText('/x/config.yaml', 'a:\n  b: 1\n');
    assert.deepEqual(parsed.keys?.[0].children?.[0].range, { start: { line: 1, character: 2 }, end: { line: 1, character: 3 } });
    assert.equal(parseConfigText('/x/c.yaml', '- 1\n').error?.kind, 'shape');
    assert.equal(parseConfigText('/x/c.yaml', 'a: [\n').error?.kind, 'syntax');
    assert.ok(isExperimentConfigFile('/p/configs/train.yaml'));
    assert.ok(isExperimentConfigFile('/p/params.json'));
    assert.ok(!isExperimentConfigFile('/p/.ml-hygiene.yaml'));
    assert.ok(!isExperimentConfigFile('/p/package.json'));
    assert.ok(!isExperimentConfigFile('/p/train.py'));
  });

  it('reports keys the code reads that the file lacks, in the file: on the near spelling, the parent mapping, or the top', async () => {
    const config = '# experiment\nlr: 0.1\nmodel:\n  depth: 4\n';
    const source = 'import yaml\ncfg = yaml.safe_load(open("config.yaml"))\nrun(cfg)\nprint(cfg["learning_rate"], cfg["model"]["width"], cfg["epochs"], cfg.get("opt"), cfg.get("seed", 0))\nif "extra" in cfg:\n    print(cfg["extra"])\n';
    const dir = project({ 'config.yaml': config, 'train.py': source });
    const findings = await configDriftFindings(path.join(dir, 'config.yaml'), pythonFiles(dir), { root: dir });
    // `run(cfg)` uses the whole config: no key is called unread, but missing keys still are.
    assert.deepEqual(
      findings.map((f) => [f.range.start.line, f.range.start.character, /config key "([\w.]+)"/.exec(f.message)![1]]),
      [
        [0, 0, 'epochs'],
        [0, 0, 'opt'],
        [1, 0, 'learning_rate'],
        [2, 0, 'model.width'],
      ],
    );
    const byKey = (k: string) => findings.find((f) => f.message.includes(`"${k}"`))!;
    assert.match(byKey('learning_rate').message, /\(train\.py line 4\) .*did you mean "lr"/);
    assert.match(byKey('model.width').message, /no "width" under "model", so the run fails at that line; add it under "model", or change the code/);
    assert.match(byKey('opt').message, /\.get\("opt"\) returns None there/);
    assert.deepEqual(byKey('epochs').related?.map((r) => [path.basename(r.path!), r.range.start.line]), [['train.py', 3]]);
  });

  it('lintExperimentConfig: finds the loading scripts itself, honours suppression comments, skips data-sized files', async () => {
    const dir = project({
      'requirements.txt': 'pyyaml\n',
      'configs/exp.yaml': 'lr: 1\nold: 2  # ml-hygiene: ignore[CFG005]\nstale: 3\n',
      'src/train.py': 'import yaml\ncfg = yaml.safe_load(open("configs/exp.yaml"))\nprint(cfg["lr"])\n',
      'src/other.py': 'print("does not load it")\n',
    });
    const file = path.join(dir, 'configs/exp.yaml');
    const sources = new PythonSourceIndex();
    assert.equal(driftSearchRoot(file, dir, undefined, sources), dir);
    const findings = await lintExperimentConfig(file, undefined, { projectRoot: dir, sources });
    assert.deepEqual(findings.map((f) => f.message.split(' is not')[0]), ['config key "stale"']);
    // An unsaved Python buffer wins over the disk; the index forgets a file when told.
    sources.bufferText = (f) => (f === path.join(dir, 'src/train.py') ? 'import yaml\ncfg = yaml.safe_load(open("configs/exp.yaml"))\nprint(cfg["lr"], cfg["stale"])\n' : undefined);
    assert.deepEqual(await lintExperimentConfig(file, undefined, { projectRoot: dir, sources }), []);
    sources.bufferText = () => undefined;
    fs.writeFileSync(path.join(dir, 'src/other.py'), 'import yaml\nc = yaml.safe_load(open("configs/exp.yaml"))\nprint(c["stale"])\n');
    sources.invalidate(path.join(dir, 'src/other.py'));
    assert.deepEqual(await lintExperimentConfig(file, undefined, { projectRoot: dir, sources }), []);
    // Data-sized files are not parsed.
    assert.deepEqual(await lintExperimentConfig(file, 'x: 1\n' + '#'.repeat(MAX_CONFIG_BYTES), { projectRoot: dir, sources }), []);
  });

  it('without a project root, looks beside the config, or one folder up when its folder has no Python file', () => {
    const dir = project({ 'configs/a.yaml': 'x: 1\n', 'train.py': '', 'exp/b.yaml': 'x: 1\n', 'exp/run.py': '' });
    const sources = new PythonSourceIndex();
    assert.equal(driftSearchRoot(path.join(dir, 'configs/a.yaml'), undefined, undefined, sources), dir);
    assert.equal(driftSearchRoot(path.join(dir, 'exp/b.yaml'), undefined, undefined, sources), path.join(dir, 'exp'));
    assert.equal(driftSearchRoot(path.join(dir, 'exp/b.yaml'), undefined, dir, sources), dir, 'the workspace folder comes before');
  });

  it('the linter dispatches experiment configs (disk and editor text) and applies the configured severity', async () => {
    const dir = project({
      'requirements.txt': 'pyyaml\n',
      'config.yaml': 'lr: 1\nunused: 2\n',
      'train.py': 'import yaml\ncfg = yaml.safe_load(open("config.yaml"))\nprint(cfg["lr"])\n',
      '.ml-hygiene.yaml': 'severity:\n  CFG005: error\n',
    });
    const linter = createLinter({ workspaceRoot: dir });
    const file = path.join(dir, 'config.yaml');
    assert.equal(linter.fileKind(file), 'experiment-config');
    assert.equal(linter.fileKind(path.join(dir, '.ml-hygiene.yaml')), 'config');
    assert.deepEqual((await linter.lintFile(file)).map((f) => [f.rule, f.severity, f.range.start.line]), [['CFG005', 'error', 1]]);
    assert.deepEqual(await linter.lintOtherText(file, 'lr: 1\n'), []);
    assert.equal(await linter.lintOtherText(path.join(dir, 'notes.txt'), 'x'), undefined);
    const off = createLinter({ workspaceRoot: dir, selection: { ignore: ['CFG005'] } });
    assert.deepEqual(await off.lintFile(file), []);
  });
});
