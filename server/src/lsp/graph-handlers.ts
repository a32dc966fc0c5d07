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
  // Not warmed here: a Python-only workspace never loads elkjs. The server warms the pool
  // when its workspace scan finds a model (warmFor below), and opening one warms it too.
  const service = new GraphService({ warm: false });
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

/** Starts and warms the layout workers when `files` include a model, so its first open is laid out warm. */
export function warmFor(service: GraphService, files: readonly string[]): void {
  if (files.some((f) => /\.onnx$/i.test(f))) void service.pool.warm();
}
