/**
 * The "Extract hyperparameters to config" quick fix (CFG001), applied for real: its edits
 * (the Python file, and config.yaml created or merged through `edits[].path` and
 * `createFiles`) are written to a temp folder and the result is linted again.
 */
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { Finding, Fix } from '../../protocol/findings';
import CFG001 from '../../rules/cfg/CFG001-hardcoded-hyperparameter/rule';
import CFG005 from '../../rules/cfg/CFG005-config-key-drift/rule';
import { Linter } from '../../server/src/engine/lint';
import type { Rule } from '../../server/src/engine/rule';
import { pythonFloatText } from '../../server/src/engine/python/extract-config';
import { applyEdits } from '../helpers/edits';
import { tempWorkspace } from '../helpers/workspace';

const tempProject = (files: Record<string, string>): string => tempWorkspace(files, 'mlh-cfg-extract-');

async function lint(file: string, rules: readonly Rule[] = [CFG001]): Promise<Finding[]> {
  const linter = new Linter({ rules, workspaceRoot: path.dirname(file) });
  return (await linter.lintPythonAsync(file, fs.readFileSync(file, 'utf8'))).findings;
}

/** Applies a fix the way an editor does: create the files, then apply each file's edits. */
function applyFix(file: string, fix: Fix): void {
  for (const created of fix.createFiles ?? []) if (!fs.existsSync(created)) fs.writeFileSync(created, '');
  const byFile = new Map<string, Fix['edits']>();
  for (const e of fix.edits) byFile.set(e.path ?? file, [...(byFile.get(e.path ?? file) ?? []), e]);
  for (const [target, edits] of byFile) fs.writeFileSync(target, applyEdits(fs.readFileSync(target, 'utf8'), edits));
}

/** Debian's python3 with PyYAML (scripts/system-deps.sh installs python3-yaml): the loader the generated code uses. */
const PYTHON = '/usr/bin/python3';

/** What PyYAML (the loader the generated code uses) reads from the file, as JSON with Python type names. */
function pyyamlTypes(file: string): Record<string, unknown> {
  const out = execFileSync(PYTHON, [
    '-c',
    'import json, sys, yaml\nd = yaml.safe_load(open(sys.argv[1]))\nprint(json.dumps({k: [type(v).__name__, v] for k, v in d.items()}))',
    file,
  ]);
  return JSON.parse(out.toString());
}

const TRAIN = `"""Trains a classifier."""
import torch
from torch.utils.data import DataLoader

EPOCHS = 20


def train(model, dataset):
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-5, betas=(0.9, 0.98), weight_decay=0.01)
    loader = DataLoader(dataset, batch_size=32, shuffle=True)
    for epoch in range(EPOCHS):
        for x, y in loader:
            optimizer.zero_grad()
            torch.nn.functional.cross_entropy(model(x), y).backward()
            optimizer.step()
    return model


def finetune(model, batches):
    opt = torch.optim.SGD(model.parameters(), lr=1.0, momentum=0.9)
    for step in range(1, 501):
        opt.zero_grad()
        model(next(batches)).sum().backward()
        opt.step()


if __name__ == "__main__":
    train(torch.nn.Linear(4, 2), [])
`;

describe('CFG001 quick fix: extract hyperparameters to config', () => {
  it('creates config.yaml, adds the loading code, replaces every literal, and the file lints clean', async () => {
    const dir = tempProject({ 'train.py': TRAIN });
    const file = path.join(dir, 'train.py');
    const findings = (await lint(file)).filter((f) => f.rule === 'CFG001');
    assert.equal(findings.length, 5);
    const all = findings[0].fixes!.find((f) => f.title.startsWith('Extract all'))!;
    assert.ok(all, 'a whole-file fix is offered');
    assert.equal(all.safety, 'unsafe');
    assert.deepEqual(all.createFiles, [path.join(dir, 'config.yaml')]);
    applyFix(file, all);

    const py = fs.readFileSync(file, 'utf8');
    assert.match(py, /^import yaml$/m);
    assert.match(py, /^from pathlib import Path$/m);
    assert.match(py, /with open\(Path\(__file__\)\.with_name\("config\.yaml"\)\) as f:\n {4}config = yaml\.safe_load\(f\)/);
    assert.match(py, /^EPOCHS = config\["epochs"\]$/m);
    assert.match(py, /lr=config\["lr"\], betas=tuple\(config\["betas"\]\), weight_decay=config\["weight_decay"\]/);
    assert.match(py, /for step in range\(1, config\["steps"\] \+ 1\):/);
    // The loading code runs before the first use: after the imports, before EPOCHS.
    assert.ok(py.indexOf('yaml.safe_load') < py.indexOf('EPOCHS ='));

    const yamlText = fs.readFileSync(path.join(dir, 'config.yaml'), 'utf8');
    const config = parseYaml(yamlText);
    assert.deepEqual(config, {
      epochs: 20, lr: 1e-5, betas: [0.9, 0.98], weight_decay: 0.01, batch_size: 32, opt_lr: 1, momentum: 0.9, steps: 500,
    });
    // PyYAML reads `1e-5` as a string and `1` as an int: the file says 0.00001 and 1.0.
    assert.match(yamlText, /^lr: 0\.00001 /m);
    assert.match(yamlText, /^opt_lr: 1\.0 /m);
    assert.match(yamlText, /^# Hyperparameters of train\.py/);

    assert.deepEqual((await lint(file, [CFG001, CFG005])).map((f) => `${f.rule} ${f.message}`), []);
    execFileSync(PYTHON, ['-m', 'py_compile', file]);
  });

  it('writes values PyYAML reads back with the same Python types', async function () {
    const dir = tempProject({ 'train.py': TRAIN });
    const file = path.join(dir, 'train.py');
    const [first] = (await lint(file)).filter((f) => f.rule === 'CFG001');
    applyFix(file, first.fixes!.find((f) => f.title.startsWith('Extract all'))!);
    const types = pyyamlTypes(path.join(dir, 'config.yaml'));
    assert.deepEqual(types.lr, ['float', 1e-5]);
    assert.deepEqual(types.opt_lr, ['float', 1]);
    assert.deepEqual(types.epochs, ['int', 20]);
    assert.deepEqual(types.betas, ['list', [0.9, 0.98]]);
  });

  it("extracts one function's literals when asked, and leaves the rest", async () => {
    const dir = tempProject({ 'train.py': TRAIN });
    const file = path.join(dir, 'train.py');
    const finding = (await lint(file)).find((f) => f.rule === 'CFG001' && f.message.startsWith('torch.optim.SGD'))!;
    const scoped = finding.fixes![0];
    assert.equal(scoped.title, 'Extract the 3 hyperparameters of finetune() to config.yaml');
    applyFix(file, scoped);
    assert.deepEqual(parseYaml(fs.readFileSync(path.join(dir, 'config.yaml'), 'utf8')), { lr: 1, momentum: 0.9, steps: 500 });
    const left = (await lint(file)).filter((f) => f.rule === 'CFG001');
    assert.deepEqual(
      left.map((f) => f.message.split(' ')[0]),
      ['EPOCHS', 'torch.optim.AdamW', 'torch.utils.data.DataLoader'],
    );
  });

  it('merges into an existing config.yaml, keeping its keys, comments and layout, and reuses equal keys', async () => {
    const existing = '# Experiment settings\nlr: 0.01      # tuned on the dev set\nmodel:\n  name: resnet18  # backbone\nmomentum: 0.9\n';
    const source =
      'import torch\n\nopt = torch.optim.SGD(params, lr=0.1, momentum=0.9)\nfor epoch in range(5):\n    loss.backward()\n    opt.step()\n';
    const dir = tempProject({ 'train.py': source, 'config.yaml': existing });
    const file = path.join(dir, 'train.py');
    const [finding] = (await lint(file)).filter((f) => f.rule === 'CFG001');
    const fix = finding.fixes![0];
    assert.equal(fix.createFiles, undefined, 'an existing file is edited, not created');
    applyFix(file, fix);
    const text = fs.readFileSync(path.join(dir, 'config.yaml'), 'utf8');
    assert.ok(text.startsWith(existing), `the existing text is kept byte for byte:\n${text}`);
    assert.deepEqual(parseYaml(text), { lr: 0.01, model: { name: 'resnet18' }, momentum: 0.9, opt_lr: 0.1, epochs: 5 });
    const py = fs.readFileSync(file, 'utf8');
    // `lr` is taken (0.01 != 0.1): a new key; `momentum` holds the same value: reused.
    assert.match(py, /lr=config\["opt_lr"\], momentum=config\["momentum"\]/);
    assert.match(py, /range\(config\["epochs"\]\)/);
    assert.deepEqual((await lint(file, [CFG001, CFG005])).map((f) => f.message), []);
  });

  it('reuses a config the script already loads instead of adding a second loader', async () => {
    const source = [
      'import yaml',
      'from sklearn.ensemble import RandomForestClassifier',
      '',
      'with open("params.yaml") as f:',
      '    params = yaml.safe_load(f)',
      '',
      'clf = RandomForestClassifier(n_estimators=params["trees"], max_depth=7)',
      'clf.fit(X, y)',
      '',
    ].join('\n');
    const dir = tempProject({ 'train.py': source, 'params.yaml': 'trees: 100\n' });
    const file = path.join(dir, 'train.py');
    const [finding] = (await lint(file)).filter((f) => f.rule === 'CFG001');
    const fix = finding.fixes![0];
    assert.ok(fix.edits.some((e) => e.path === path.join(dir, 'params.yaml')));
    applyFix(file, fix);
    const py = fs.readFileSync(file, 'utf8');
    assert.equal((py.match(/safe_load/g) ?? []).length, 1);
    assert.match(py, /max_depth=params\["max_depth"\]/);
    assert.deepEqual(parseYaml(fs.readFileSync(path.join(dir, 'params.yaml'), 'utf8')), { trees: 100, max_depth: 7 });
    assert.equal(fs.existsSync(path.join(dir, 'config.yaml')), false);
    assert.deepEqual((await lint(file, [CFG001, CFG005])).map((f) => f.message), []);
  });

  it('offers the fix only disabled when config.yaml is invalid YAML, says why, and touches nothing', async () => {
    const broken = 'lr: [0.1\nepochs: 3\n';
    const source = 'import torch\n\nopt = torch.optim.SGD(params, lr=0.1)\nloss.backward()\nopt.step()\n';
    const dir = tempProject({ 'train.py': source, 'config.yaml': broken });
    const file = path.join(dir, 'train.py');
    const [finding] = (await lint(file)).filter((f) => f.rule === 'CFG001');
    assert.equal(finding.fixes?.length, 1);
    assert.deepEqual(finding.fixes![0].edits, []);
    assert.match(finding.fixes![0].disabled ?? '', /^config\.yaml is not valid YAML \(line 2: .+\); fix the file first/);
    assert.match(finding.message, /quick fix is not offered: config\.yaml is not valid YAML \(line \d+: .+\)/);
    assert.equal(finding.related?.[0].path, path.join(dir, 'config.yaml'));
    assert.equal(fs.readFileSync(path.join(dir, 'config.yaml'), 'utf8'), broken);
  });

  it('offers the fix only disabled when config.yaml is not a mapping', async () => {
    const dir = tempProject({ 'train.py': 'import torch\nopt = torch.optim.SGD(p, lr=0.1)\nopt.step()\n', 'config.yaml': '- a\n- b\n' });
    const [finding] = (await lint(path.join(dir, 'train.py'))).filter((f) => f.rule === 'CFG001');
    assert.deepEqual(finding.fixes?.map((f) => [f.edits.length, /not a mapping/.test(f.disabled ?? '')]), [[0, true]]);
    assert.match(finding.message, /config\.yaml cannot take new keys \(its top level is not a mapping of keys\)/);
  });

  it('picks names that do not clash with the code, and keeps a module docstring first', async () => {
    const source = '"""Doc."""\nconfig = {"name": "x"}\nimport torch\nf = 3\nopt = torch.optim.SGD(p, lr=0.1)\nopt.step()\n';
    const dir = tempProject({ 'train.py': source });
    const file = path.join(dir, 'train.py');
    const [finding] = (await lint(file)).filter((f) => f.rule === 'CFG001');
    applyFix(file, finding.fixes![0]);
    const py = fs.readFileSync(file, 'utf8');
    assert.ok(py.startsWith('"""Doc."""\n'));
    assert.match(py, /as config_file:\n {4}hparams = yaml\.safe_load\(config_file\)/);
    assert.match(py, /lr=hparams\["lr"\]/);
  });

  it('formats floats the way PyYAML reads them', () => {
    assert.equal(pythonFloatText(1e-7), '1.0e-7');
    assert.equal(pythonFloatText(1e-5), '0.00001');
    assert.equal(pythonFloatText(2.5e-7), '2.5e-7');
    assert.equal(pythonFloatText(1), '1.0');
    assert.equal(pythonFloatText(0.001), '0.001');
    assert.equal(pythonFloatText(1e21), '1.0e+21');
    assert.equal(pythonFloatText(-3), '-3.0');
  });
});
