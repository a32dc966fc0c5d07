/**
 * "Show in Graph" CodeLenses over LSP: a workspace with a `model.py` and ONNX models whose
 * nodes carry PyTorch's source metadata (built with the repo's encoder, since the
 * machine's Python onnx cannot write NodeProto.metadata_props), plus a broken model.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { CodeLens, FileEvent, InitializeResult } from 'vscode-languageserver/node';
import { Commands } from '../../protocol/commands';
import type { ShowInGraphArgs } from '../../protocol/graph';
import { DataType } from '../../server/src/onnx/data-types';
import { encodeModel, type EntrySpec, type NodeSpec } from '../../server/src/onnx/encode';
import { moduleMatchesFile } from '../../server/src/lsp/model-codelens';
import { LspTestClient } from '../helpers/lsp-client';

const MODEL_PY = `import torch
from torch import nn


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 4)

    def forward(self, x):
        return torch.relu(self.fc(x))


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.block = Block()

    def forward(self, x):
        x = self.block(x)
        return x * 2


class Unused:
    pass
`;
// Lines (1-based) of MODEL_PY: Block.forward's return is line 11, Net.forward's lines 20-21.

function trace(file: string, frames: Array<[number, string]>): string {
  return frames.map(([line, code]) => `File "${file}", line ${line}, in forward\n    ${code}`).join('\n');
}

/** A tiny MatMul -> Relu -> Mul model whose nodes say where they come from. */
function modelWithSources(sourceFile: string, extra: { namespaceOnly?: boolean; bare?: boolean } = {}): Uint8Array {
  const meta = (frames: Array<[number, string]>, classes: string[]): EntrySpec[] =>
    extra.bare
      ? []
      : extra.namespaceOnly
      ? [{ key: 'namespace', value: classes.map((c, i) => `${['', 'block', 'fc'][i] ?? ''}: ${c}`).join('/') }]
      : [
          { key: 'pkg.torch.onnx.stack_trace', value: trace(sourceFile, frames) },
          { key: 'pkg.torch.onnx.class_hierarchy', value: `[${classes.map((c) => `'${c}'`).join(', ')}]` },
        ];
  const node: NodeSpec[] = [
    { name: '/block/fc/MatMul', opType: 'MatMul', input: ['x', 'w'], output: ['h'], metadataProps: meta([[20, 'x = self.block(x)'], [11, 'return torch.relu(self.fc(x))']], ['__main__.Net', '__main__.Block', 'torch.nn.modules.linear.Linear']) },
    { name: '/block/Relu', opType: 'Relu', input: ['h'], output: ['r'], metadataProps: meta([[20, 'x = self.block(x)'], [11, 'return torch.relu(self.fc(x))']], ['__main__.Net', '__main__.Block']) },
    { name: '/Mul', opType: 'Mul', input: ['r', 'two'], output: ['y'], metadataProps: meta([[21, 'return x * 2']], ['__main__.Net']) },
  ];
  const f = (name: string, shape: number[]) => ({ name, type: { tensor: { elemType: DataType.FLOAT, shape } } });
  return encodeModel({
    irVersion: 9,
    opsetImport: [{ domain: '', version: 18 }],
    producerName: 'pytorch',
    producerVersion: '2.5.0',
    graph: {
      name: 'main_graph',
      node,
      initializer: [
        { name: 'w', dataType: DataType.FLOAT, dims: [4, 4], floatData: new Array(16).fill(0.5) },
        { name: 'two', dataType: DataType.FLOAT, dims: [], floatData: [2] },
      ],
      input: [f('x', [1, 4])],
      output: [f('y', [1, 4])],
    },
  });
}

function lensArgs(lens: CodeLens): ShowInGraphArgs {
  return lens.command!.arguments![0] as ShowInGraphArgs;
}

describe('"Show in Graph" CodeLens over LSP', function () {
  this.timeout(60_000);
  let client: LspTestClient;
  let init: InitializeResult;
  let dir: string;
  let modelPy: string;

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlh-codelens-'));
    modelPy = path.join(dir, 'model.py');
    fs.writeFileSync(modelPy, MODEL_PY);
    // Exported models are git-ignored in most projects; they still get their lenses.
    fs.writeFileSync(path.join(dir, '.gitignore'), '*.onnx\n');
    // Exported on another machine: only the file name and the lines are the same.
    fs.writeFileSync(path.join(dir, 'net.onnx'), modelWithSources('/home/alice/project/model.py'));
    // The older exporter's `namespace` only: class names with their modules.
    fs.mkdirSync(path.join(dir, 'old'));
    fs.writeFileSync(path.join(dir, 'old', 'net_ns.onnx'), modelWithSources('/elsewhere/model.py', { namespaceOnly: true }));
    // A model from another file's classes, and broken files: no lens, and no failure.
    fs.writeFileSync(path.join(dir, 'other.onnx'), modelWithSources('/home/alice/project/train.py'));
    const good = fs.readFileSync(path.join(dir, 'net.onnx'));
    fs.writeFileSync(path.join(dir, 'broken.onnx'), good.subarray(0, Math.floor(good.length / 2)));
    fs.writeFileSync(path.join(dir, 'empty.onnx'), '');
    ({ client, init } = await LspTestClient.start(dir));
  });
  after(() => client.stop());

  async function lenses(uri: string): Promise<CodeLens[]> {
    return (await client.connection.sendRequest('textDocument/codeLens', { textDocument: { uri } })) as CodeLens[];
  }

  it('declares a CodeLens provider', () => {
    assert.ok(init.capabilities.codeLensProvider);
  });

  it('puts a lens on each class the models name, with the nodes as the command argument', async () => {
    const uri = client.open(modelPy, MODEL_PY);
    const all = await lenses(uri);
    const lines = MODEL_PY.split('\n');
    const netLine = lines.indexOf('class Net(nn.Module):');
    const blockLine = lines.indexOf('class Block(nn.Module):');

    const net = all.filter((l) => l.range.start.line === netLine);
    assert.deepEqual(net.map((l) => l.command!.title).sort(), ['Show in Graph (net.onnx)', 'Show in Graph (net_ns.onnx)']);
    assert.deepEqual(net[0].range, { start: { line: netLine, character: 6 }, end: { line: netLine, character: 9 } });
    for (const l of net) assert.equal(l.command!.command, Commands.showInGraph.id);
    const netArgs = lensArgs(net.find((l) => l.command!.title === 'Show in Graph (net.onnx)')!);
    assert.deepEqual(netArgs, { modelPath: path.join(dir, 'net.onnx'), nodeIds: ['n0', 'n1', 'n2'], className: 'Net', total: 3 });

    // Block: its forward's line is in the first two nodes' traces, and it is in their class hierarchy.
    const block = all.filter((l) => l.range.start.line === blockLine);
    assert.equal(block.length, 2);
    assert.deepEqual(lensArgs(block.find((l) => l.command!.title === 'Show in Graph (net.onnx)')!).nodeIds, ['n0', 'n1']);
    assert.deepEqual(lensArgs(block.find((l) => l.command!.title === 'Show in Graph (net_ns.onnx)')!).nodeIds, ['n0', 'n1']);

    // No model names `Unused`; `other.onnx` comes from train.py; broken models are skipped.
    assert.deepEqual([...new Set(all.map((l) => l.range.start.line))].sort((a, b) => a - b), [blockLine, netLine]);
    assert.ok(!all.some((l) => /other\.onnx|broken|empty/.test(l.command!.title)));
  });

  it('follows edits: a class renamed away from the models loses its lens', async () => {
    const other = path.join(dir, 'scratch.py');
    const text = 'class Net:\n    pass\n';
    const uri = client.open(other, text);
    // Another file: the models with stack traces name model.py and train.py, not this one; the
    // namespace-only model says `__main__.Net`, which any script can be.
    const before = await lenses(uri);
    assert.deepEqual(before.map((l) => l.command!.title), ['Show in Graph (net_ns.onnx)']);
    assert.deepEqual(lensArgs(before[0]).nodeIds, ['n0', 'n1', 'n2']);
    client.change(uri, [{ range: { start: { line: 0, character: 6 }, end: { line: 0, character: 9 } }, text: 'Head' }]);
    assert.deepEqual(await lenses(uri), []);
  });

  it('answers for files without classes and for non-Python documents', async () => {
    assert.deepEqual(await lenses(client.open(path.join(dir, 'util.py'), 'x = 1\n')), []);
    assert.deepEqual(await lenses(client.open(path.join(dir, 'config.yaml'), 'class: Net\n', 'yaml')), []);
  });

  it('without refreshSupport: a model added on disk is in the next lenses, and no refresh is asked for', async () => {
    const uri = pathToFileURL(modelPy).href;
    const before = await lenses(uri);
    assert.ok(!before.some((l) => /added\.onnx/.test(l.command!.title)));
    const added = path.join(dir, 'added.onnx');
    fs.writeFileSync(added, modelWithSources('/home/bob/model.py'));
    await client.connection.sendNotification('workspace/didChangeWatchedFiles', { changes: [{ uri: pathToFileURL(added).href, type: 1 }] });
    // Within the server's 5 s reuse of the workspace walk: the event is what makes it look again.
    const after = await lenses(uri);
    assert.ok(after.some((l) => l.command!.title === 'Show in Graph (added.onnx)'), after.map((l) => l.command!.title).join(', '));
    assert.equal(client.unawaitedRefreshes, 0);
  });

  it('matches module paths against file paths', () => {
    assert.ok(moduleMatchesFile('__main__', '/w/model.py'));
    assert.ok(moduleMatchesFile('models.gpt', '/w/src/models/gpt.py'));
    assert.ok(moduleMatchesFile('models', '/w/models/__init__.py'));
    assert.ok(!moduleMatchesFile('models.gpt', '/w/src/other/gpt.py'));
    assert.ok(!moduleMatchesFile('torch.nn.modules.linear', '/w/model.py'));
  });
});

describe('"Show in Graph" CodeLens refresh when models change on disk (over LSP)', function () {
  this.timeout(60_000);
  let client: LspTestClient;
  let dir: string;
  let modelPy: string;
  let uri: string;

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlh-codelens-refresh-'));
    modelPy = path.join(dir, 'model.py');
    fs.writeFileSync(modelPy, MODEL_PY);
    fs.writeFileSync(path.join(dir, 'net.onnx'), modelWithSources('/home/alice/project/model.py'));
    client = (await LspTestClient.start(dir, { codeLensRefresh: true })).client;
    uri = pathToFileURL(modelPy).href;
    await client.connection.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'python', version: 1, text: MODEL_PY } });
  });
  after(() => client.stop());

  const titles = async () =>
    ((await client.connection.sendRequest('textDocument/codeLens', { textDocument: { uri } })) as CodeLens[]).map((l) => `${l.range.start.line}:${l.command!.title}`).sort();
  const changed = (file: string, type: FileEvent['type']) =>
    client.connection.sendNotification('workspace/didChangeWatchedFiles', { changes: [{ uri: pathToFileURL(path.join(dir, file)).href, type }] });
  const lines = MODEL_PY.split('\n');
  const block = lines.indexOf('class Block(nn.Module):'), net = lines.indexOf('class Net(nn.Module):');

  it('asks for the lenses again when a model naming the file is added, rewritten or deleted', async () => {
    assert.deepEqual(await titles(), [`${block}:Show in Graph (net.onnx)`, `${net}:Show in Graph (net.onnx)`].sort());

    // Added.
    fs.writeFileSync(path.join(dir, 'second.onnx'), modelWithSources('/tmp/export/model.py'));
    await changed('second.onnx', 1);
    await client.nextRefresh();
    assert.deepEqual(await titles(), [`${block}:Show in Graph (net.onnx)`, `${block}:Show in Graph (second.onnx)`, `${net}:Show in Graph (net.onnx)`, `${net}:Show in Graph (second.onnx)`].sort());

    // Rewritten: net.onnx now comes from train.py's classes.
    fs.writeFileSync(path.join(dir, 'net.onnx'), modelWithSources('/home/alice/project/train.py'));
    await changed('net.onnx', 2);
    await client.nextRefresh();
    assert.deepEqual(await titles(), [`${block}:Show in Graph (second.onnx)`, `${net}:Show in Graph (second.onnx)`].sort());

    // Deleted.
    fs.rmSync(path.join(dir, 'second.onnx'));
    await changed('second.onnx', 3);
    await client.nextRefresh();
    assert.deepEqual(await titles(), []);
    assert.equal(client.unawaitedRefreshes, 0, 'one refresh per change');
  });

  it('does not ask when the model index stays as it was', async () => {
    // A model whose nodes name no source (and a broken one): nothing for a lens to show.
    fs.writeFileSync(path.join(dir, 'plain.onnx'), modelWithSources('', { bare: true }));
    fs.writeFileSync(path.join(dir, 'broken.onnx'), 'not a model');
    await client.connection.sendNotification('workspace/didChangeWatchedFiles', {
      changes: ['plain.onnx', 'broken.onnx'].map((f) => ({ uri: pathToFileURL(path.join(dir, f)).href, type: 1 })),
    });
    // A Python file changing is not a model change.
    await changed('model.py', 2);
    // The server checks changes in order with lens requests: a refresh would come before this answer.
    assert.deepEqual(await titles(), []);
    assert.equal(client.unawaitedRefreshes, 0);

    // And a change that matters still gets one.
    fs.writeFileSync(path.join(dir, 'plain.onnx'), modelWithSources('/home/carol/model.py'));
    await changed('plain.onnx', 2);
    await client.nextRefresh();
    assert.deepEqual(await titles(), [`${block}:Show in Graph (plain.onnx)`, `${net}:Show in Graph (plain.onnx)`].sort());
  });
});
