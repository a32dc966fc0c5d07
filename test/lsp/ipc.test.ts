/** The same server over node IPC, the transport VS Code uses. */
import { strict as assert } from 'node:assert';
import { fork } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { createProtocolConnection, IPCMessageReader, IPCMessageWriter, type PublishDiagnosticsParams } from 'vscode-languageserver-protocol/node';
import { SERVER_JS } from '../helpers/lsp-client';

describe('language server over node IPC', () => {
  it('initializes and publishes diagnostics', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlh-ipc-'));
    const child = fork(SERVER_JS, ['--node-ipc'], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
    const connection = createProtocolConnection(new IPCMessageReader(child), new IPCMessageWriter(child));
    const got = new Promise<PublishDiagnosticsParams>((resolve) =>
      connection.onNotification('textDocument/publishDiagnostics', (p: PublishDiagnosticsParams) => {
        if (p.diagnostics.length) resolve(p);
      }),
    );
    connection.listen();
    try {
      const init = (await connection.sendRequest('initialize', { processId: process.pid, rootUri: pathToFileURL(dir).href, capabilities: {} })) as {
        capabilities: { textDocumentSync: { change: number } };
      };
      assert.equal(init.capabilities.textDocumentSync.change, 2, 'incremental sync');
      await connection.sendNotification('initialized', {});
      const uri = pathToFileURL(path.join(dir, 'x.py')).href;
      await connection.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'python', version: 1, text: 'import dill\ndill.load(f)\n' } });
      const diags = await got;
      assert.deepEqual(diags.diagnostics.map((d) => d.code), ['SER001']);
      await connection.sendRequest('shutdown');
      await connection.sendNotification('exit');
    } finally {
      connection.dispose();
      child.kill();
    }
  });
});
