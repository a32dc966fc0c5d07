/**
 * The graph view's requests by method name, served by one GraphService: the LSP layer
 * (server/src/lsp/graph-handlers.ts) registers these, and the webview tests call them
 * in-process through the same table.
 */
import { GraphMethods, type GraphRequestTypes } from '../../../protocol/graph';
import type { GraphService } from './service';

export type GraphHandlers = { [M in keyof GraphRequestTypes]: (params: GraphRequestTypes[M]['params']) => Promise<GraphRequestTypes[M]['result']> };

export function graphHandlers(service: GraphService): GraphHandlers {
  return {
    [GraphMethods.open]: (p) => service.open(p),
    [GraphMethods.layout]: (p) => service.layout(p),
    [GraphMethods.node]: (p) => service.node(p),
    [GraphMethods.tensorStats]: (p) => service.tensorStats(p),
    [GraphMethods.search]: (p) => service.search(p),
    [GraphMethods.findings]: (p) => service.findings(p),
  };
}
