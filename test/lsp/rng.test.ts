/**
 * The RNG quick fixes over real LSP (dist/server.js over stdio): "Add seeding" (a seed
 * block at the entry point, seeded from the configuration when the script loads one) and
 * "Add random_state", each requested as a code action, applied as the editor applies it
 * (the WorkspaceEdit sent back as an incremental didChange), then re-linted by the
 * server: the finding is gone, no other RNG finding is left, and the file still parses.
 */
import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import type { CodeAction, Diagnostic, TextDocumentEdit } from 'vscode-languageserver-protocol';
import type { TextEdit } from '../../protocol/findings';
import { grammarParser } from '../../server/src/engine/parser';
import { PythonModule } from '../../server/src/engine/python/module';
import { applyEdits } from '../helpers/edits';
import { LspTestClient } from '../helpers/lsp-client';
import { tempWorkspace } from '../helpers/workspace';

const workspace = (files: Record<string, string>): string => tempWorkspace(files, 'mlh-lsp-rng-');

const isRng = (d: Diagnostic) => /^RNG\d{3}$/.test(String(d.code));

/** Whether tree-sitter parses the text without an error node (what the server's MLH003 reports). */
async function parsesCleanly(text: string): Promise<boolean> {
  const m = PythonModule.parse(await grammarParser('python'), text);
  try {
    return !m.hasError;
  } finally {
    m.dispose();
  }
}

describe('RNG quick fixes over LSP (stdio)', () => {
  let client: LspTestClient;
  let dir: string;

  afterEach(async () => {
    await client?.stop();
  });

  /**
   * Opens `text`, waits for a finding of `rule`, asks for its code actions, picks the one
   * whose title matches, applies it through didChange and waits for the server's new
   * diagnostics. Returns the fixed text and those diagnostics.
   */
  async function applyFix(file: string, text: string, rule: string, title: RegExp): Promise<{ fixed: string; title: string; after: Diagnostic[]; before: Diagnostic[] }> {
    const uri = client.open(path.join(dir, file), text);
    const published = await client.waitForDiagnostics(uri, (p) => p.diagnostics.some((d) => d.code === rule));
    const finding = published.diagnostics.find((d) => d.code === rule)!;
    const actions = (await client.connection.sendRequest('textDocument/codeAction', {
      textDocument: { uri },
      range: finding.range,
      context: { diagnostics: [finding] },
    })) as CodeAction[];
    const action = actions.find((a) => title.test(a.title));
    assert.ok(action, `no action matching ${title} for ${rule}; actions: ${actions.map((a) => a.title).join(' | ')}`);
    const changes = action.edit!.documentChanges!;
    assert.equal(changes.length, 1, 'one document edit');
    const edits = (changes[0] as TextDocumentEdit).edits as TextEdit[];
    assert.equal((changes[0] as TextDocumentEdit).textDocument.uri, uri);
    const fixed = applyEdits(text, edits);
    // The editor applies the edits as one change set: send them last-first, so the ranges stay valid.
    const ordered = [...edits].sort((a, b) => b.range.start.line - a.range.start.line || b.range.start.character - a.range.start.character);
    const v = client.change(uri, ordered.map((e) => ({ range: e.range, text: e.newText })));
    const after = await client.waitForDiagnostics(uri, (p) => p.version === v);
    return { fixed, title: action.title, after: after.diagnostics, before: published.diagnostics };
  }

  it('"Add seeding" seeds every unseeded library from argparse\'s --seed, right after parse_args', async () => {
    dir = workspace({});
    ({ client } = await LspTestClient.start(dir));
    const text = `import argparse
import random

import numpy as np
import torch
from torch import nn


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--epochs", type=int, default=3)
    args = parser.parse_args()
    model = nn.Linear(4, 1)
    files = ["a", "b", "c"]
    random.shuffle(files)
    noise = np.random.randn(4)
    return model, files, noise


if __name__ == "__main__":
    main()
`;
    const { fixed, title, before, after } = await applyFix('train.py', text, 'RNG004', /^Add seeding/);
    assert.deepEqual(before.filter(isRng).map((d) => d.code).sort(), ['RNG001', 'RNG002', 'RNG004']);
    assert.match(title, /after args = parser\.parse_args\(\)/);
    assert.match(fixed, /args = parser\.parse_args\(\)\n {4}random\.seed\(args\.seed\)\n {4}np\.random\.seed\(args\.seed\)\n {4}torch\.manual_seed\(args\.seed\)\n {4}model = nn\.Linear/);
    assert.deepEqual(after.filter(isRng).map((d) => `${d.code} ${d.message}`), []);
    assert.deepEqual(after.filter((d) => d.code === 'MLH003'), []);
    assert.ok(await parsesCleanly(fixed), fixed);
  });

  it('"Add seeding" reads the seed from a loaded YAML config (cfg["seed"]) where the script already does', async () => {
    dir = workspace({ 'config.yaml': 'seed: 7\nlr: 0.01\n' });
    ({ client } = await LspTestClient.start(dir));
    const text = `import yaml
import torch
from torch.utils.data import DataLoader

with open("config.yaml") as f:
    cfg = yaml.safe_load(f)
print("seed in config:", cfg["seed"])
weights = torch.randn(3, 3)
loader = DataLoader(list(range(10)), batch_size=2, shuffle=True)
`;
    const { fixed, after } = await applyFix('train.py', text, 'RNG004', /^Add seeding/);
    assert.match(fixed, /cfg = yaml\.safe_load\(f\)\ntorch\.manual_seed\(cfg\["seed"\]\)\n/);
    assert.deepEqual(after.filter(isRng).map((d) => `${d.code} ${d.message}`), []);
    assert.ok(await parsesCleanly(fixed), fixed);
  });

  it('"Add seeding" without a config adds a SEED constant and seeds at the start of an inline __main__ block', async () => {
    dir = workspace({});
    ({ client } = await LspTestClient.start(dir));
    const text = `import random


def main():
    return random.random()


if __name__ == "__main__": main()
`;
    const { fixed, after } = await applyFix('run.py', text, 'RNG001', /^Add seeding/);
    assert.match(fixed, /^import random\n\nSEED = 0\n/);
    assert.match(fixed, /if __name__ == "__main__":\n {4}random\.seed\(SEED\)\n {4}main\(\)\n/);
    assert.deepEqual(after.filter(isRng).map((d) => `${d.code} ${d.message}`), []);
    assert.ok(await parsesCleanly(fixed), fixed);
  });

  it('"Add random_state" adds the keyword to a multi-line estimator call, using the seed in scope', async () => {
    dir = workspace({});
    ({ client } = await LspTestClient.start(dir));
    const text = `from sklearn.ensemble import RandomForestClassifier
from sklearn.model_selection import train_test_split


def fit(X, y, seed):
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2)
    clf = RandomForestClassifier(
        n_estimators=200,
        max_depth=8,  # tuned on the validation split
    )
    clf.fit(X_train, y_train)
    return clf.score(X_test, y_test)


if __name__ == "__main__":
    fit([[0], [1]] * 10, [0, 1] * 10, seed=3)
`;
    const uri = client.open(path.join(dir, 'fit.py'), text);
    const published = await client.waitForDiagnostics(uri, (p) => p.diagnostics.filter((d) => d.code === 'RNG007').length === 2);
    let current = text;
    let version = 1;
    // Fix both findings one after the other, as a user would: each fix is asked for on the current text.
    for (const line of [5, 6]) {
      const latest = version === 1 ? published.diagnostics : client.latest.get(uri)!.diagnostics;
      const finding = latest.find((d) => d.code === 'RNG007' && d.range.start.line === line);
      assert.ok(finding, `RNG007 at line ${line + 1}: ${JSON.stringify(latest.map((d) => [d.code, d.range.start.line]))}`);
      const actions = (await client.connection.sendRequest('textDocument/codeAction', { textDocument: { uri }, range: finding.range, context: { diagnostics: [finding] } })) as CodeAction[];
      const action = actions.find((a) => a.title === 'Add random_state=seed');
      assert.ok(action, `actions: ${actions.map((a) => a.title).join(' | ')}`);
      assert.equal(action.isPreferred, true, 'a safe fix is the preferred one');
      const edits = (action.edit!.documentChanges![0] as TextDocumentEdit).edits as TextEdit[];
      current = applyEdits(current, edits);
      const ordered = [...edits].sort((a, b) => b.range.start.line - a.range.start.line || b.range.start.character - a.range.start.character);
      version = client.change(uri, ordered.map((e) => ({ range: e.range, text: e.newText })));
      await client.waitForDiagnostics(uri, (p) => p.version === version);
    }
    assert.match(current, /train_test_split\(X, y, test_size=0\.2, random_state=seed\)/);
    assert.match(current, /max_depth=8,  # tuned on the validation split\n {8}random_state=seed,\n {4}\)/);
    const after = client.latest.get(uri)!.diagnostics;
    assert.deepEqual(after.filter(isRng).map((d) => `${d.code} ${d.message}`), []);
    assert.ok(await parsesCleanly(current), current);
  });
});
