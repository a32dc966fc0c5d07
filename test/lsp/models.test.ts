/** Models through the language server: MODEL findings from the workspace scan, the text view request, broken models. */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { LspTestClient } from '../helpers/lsp-client';

const SHARED = path.join(__dirname, '..', '..', '..', 'shared', 'models', 'onnx-backend');

describe('models over LSP', () => {
  let client: LspTestClient;
  let dir: string;
  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlh-models-'));
    fs.copyFileSync(path.join(SHARED, 'light', 'light_resnet50.onnx'), path.join(dir, 'resnet50.onnx'));
    const bytes = fs.readFileSync(path.join(SHARED, 'light', 'light_resnet50.onnx'));
    fs.writeFileSync(path.join(dir, 'truncated.onnx'), bytes.subarray(0, Math.floor(bytes.length / 2)));
    fs.writeFileSync(path.join(dir, 'empty.onnx'), '');
    ({ client } = await LspTestClient.start(dir));
  });
  after(() => client.stop());

  it('reports MODEL findings for models in the workspace and a clear error for broken ones', async () => {
    const good = await client.waitForDiagnostics(pathToFileURL(path.join(dir, 'resnet50.onnx')).href, (p) => p.diagnostics.length > 0);
    assert.ok(good.diagnostics.every((d) => String(d.code).startsWith('MODEL')), JSON.stringify(good.diagnostics.map((d) => d.code)));
    const truncated = await client.waitForDiagnostics(pathToFileURL(path.join(dir, 'truncated.onnx')).href, (p) => p.diagnostics.length > 0);
    assert.equal(truncated.diagnostics[0].code, 'MLH002');
    assert.match(String(truncated.diagnostics[0].message), /^cannot decode the model: (?!.*truncated\.onnx).*(byte|offset)/);
    const empty = await client.waitForDiagnostics(pathToFileURL(path.join(dir, 'empty.onnx')).href, (p) => p.diagnostics.length > 0);
    assert.equal(empty.diagnostics[0].code, 'MLH002');
  });

  it('renders a model as ONNX text on request, and answers a broken model with the decoder error', async () => {
    const r = (await client.connection.sendRequest('mlHygiene/modelText', { path: path.join(dir, 'resnet50.onnx') })) as { text: string };
    assert.match(r.text, /^<\s*ir_version: 3/);
    assert.match(r.text, /Conv\s*</);
    await assert.rejects(client.connection.sendRequest('mlHygiene/modelText', { path: path.join(dir, 'truncated.onnx') }), /truncated\.onnx/);
    // The server is still answering afterwards.
    const again = (await client.connection.sendRequest('mlHygiene/modelText', { path: path.join(dir, 'resnet50.onnx') })) as { text: string };
    assert.equal(again.text, r.text);
  });
});
