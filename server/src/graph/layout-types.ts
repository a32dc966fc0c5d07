/** Messages between the layout pool and its worker threads. */

export interface LayoutJob {
  id: number;
  /** Nodes by item index, with their sizes. */
  nodes: { id: number; w: number; h: number; /** Pin to the first or last layer (a group's entry and exit ports). */ layer?: 'FIRST' | 'LAST' }[];
  /** [from item, to item] pairs between those nodes. */
  edges: [number, number][];
  options: Record<string, string>;
}

export interface LayoutReply {
  id: number;
  width?: number;
  height?: number;
  /** [item, x, y] triples. */
  positions?: number[];
  /** Per edge of the job (same order): polyline [x0,y0,x1,y1,...]. */
  routes?: number[][];
  error?: string;
}
