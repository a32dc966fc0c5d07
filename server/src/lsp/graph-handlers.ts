/**
 * LSP wiring of the graph view: the `mlHygiene/graph/*` requests (client -> server,
 * declared in protocol/graph.ts) answered by one GraphService. Errors (a broken model,
 * an unknown node) become ResponseErrors whose message names the file and the problem.
 */
import { ErrorCodes, ResponseError, type Connection } from 'vscode-languageserver/node';
import type { GraphRequestTypes } from '../../../protocol/graph';
import { graphHandlers } from '../graph/dispatch';
import { GraphService } from '../graph/service';

export function registerGraphHandlers(connection: Connection): GraphService {
  const service = new GraphService();
  const handlers = graphHandlers(service);
  for (const method of Object.keys(handlers) as (keyof GraphRequestTypes)[]) {
    const handler = handlers[method] as (params: unknown) => Promise<unknown>;
    connection.onRequest(method, async (params: unknown) => {
      try {
        return await handler(params);
      } catch (e) {
        throw new ResponseError(ErrorCodes.InvalidParams, (e as Error).message);
      }
    });
  }
  // Worker threads are unref'd: they never keep the server alive after exit.
  return service;
}
