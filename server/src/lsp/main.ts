/**
 * Entry point of the language server (dist/server.js). The transport comes from the
 * command line, as every LSP client passes it: `--stdio`, `--node-ipc` or `--socket=N`.
 */
import { createConnection, ProposedFeatures } from 'vscode-languageserver/node';
import { HygieneServer } from './server';

const connection = createConnection(ProposedFeatures.all);
new HygieneServer(connection);
connection.listen();
