/**
 * Worker thread that runs elkjs's layered layout on one group's children. The server
 * (server/src/graph/layout.ts) keeps a pool of these, so layout never blocks the
 * language server's event loop. Bundled to dist/layout-worker.js.
 */
import { parentPort } from 'node:worker_threads';
import ELK from 'elkjs/lib/elk.bundled.js';
import type { ElkNode } from 'elkjs/lib/elk-api';
import type { LayoutJob, LayoutReply } from './layout-types';

const elk = new ELK();

parentPort?.on('message', (job: LayoutJob) => {
  const graph: ElkNode = {
    id: 'root',
    layoutOptions: job.options,
    children: job.nodes.map((n) => ({ id: String(n.id), width: n.w, height: n.h, ...(n.layer ? { layoutOptions: { 'elk.layered.layering.layerConstraint': n.layer } } : {}) })),
    edges: job.edges.map((e, i) => ({ id: `e${i}`, sources: [String(e[0])], targets: [String(e[1])] })),
  };
  elk.layout(graph).then(
    (r: ElkNode) => {
      const positions: number[] = [];
      for (const c of r.children ?? []) positions.push(Number(c.id), c.x ?? 0, c.y ?? 0);
      const routes: number[][] = [];
      for (const e of r.edges ?? []) {
        const points: number[] = [];
        for (const s of e.sections ?? []) {
          points.push(s.startPoint.x, s.startPoint.y);
          for (const b of s.bendPoints ?? []) points.push(b.x, b.y);
          points.push(s.endPoint.x, s.endPoint.y);
        }
        routes.push(points);
      }
      const reply: LayoutReply = { id: job.id, width: r.width ?? 0, height: r.height ?? 0, positions, routes };
      parentPort!.postMessage(reply);
    },
    (e: unknown) => parentPort!.postMessage({ id: job.id, error: String((e as Error)?.message ?? e) } satisfies LayoutReply),
  );
});
