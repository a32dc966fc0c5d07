import { defineRule } from '../../../server/src/engine/rule';
import { describeNode } from '../../../server/src/onnx/graph-checks';
import type { Graph, Node } from '../../../server/src/onnx/model';
import { isStandardDomain, latestOpset, normalizeDomain, resolveOperator } from '../../../server/src/onnx/operators';

export default defineRule({
  target: 'onnx',
  meta: {
    id: 'MODEL006',
    name: 'unknown-operator',
    family: 'MODEL',
    severity: 'error',
    practice: 'P9',
    languages: ['onnx'],
    summary: 'A node uses an operator that the imported opset of its domain does not define (unknown, newer, or removed), or a domain the model does not import.',
    provenance: ['onnx.checker.check_model ("No Op registered for ... with domain_version of ...")'],
    fix: 'none',
    docs: {
      what: 'Resolves every node (main graph, subgraphs, training graphs and local functions) against the ONNX 1.22 operator sets: the node\'s domain must be imported, and its operator must exist at the imported version of a standard domain (ai.onnx, ai.onnx.ml, ai.onnx.preview.training). Operators whose schema at that version is a deprecation (Upsample from opset 10) are reported as warnings. Custom domains and local functions are accepted as they are.',
      why: 'A model that names an operator its opset lacks does not load. The usual causes are an exporter writing a newer operator under an old opset, a typo in hand-built graphs, or a custom op whose domain was dropped.',
      example: '<opset_import: ["" : 11]>\ny = LayerNormalization(x, scale)   # LayerNormalization exists from opset 17\n',
      useInstead: '<opset_import: ["" : 17]>\ny = LayerNormalization(x, scale)\n# or export with opset_version=17 (torch.onnx.export), or convert: onnx.version_converter.convert_version(model, 17)\n',
      references: ['https://onnx.ai/onnx/operators/', 'https://github.com/onnx/onnx/blob/main/docs/Changelog.md'],
    },
  },
  check(ctx) {
    const model = ctx.model.proto;
    const localFunctions = new Set(model.functions.map((f) => `${f.domain}\u0000${f.name}`));
    const checkNodes = (nodes: readonly Node[], imports: ReadonlyMap<string, number>, where: string): void => {
      nodes.forEach((node, index) => {
        const domain = normalizeDomain(node.domain);
        if (localFunctions.has(`${node.domain}\u0000${node.opType}`)) {
          // A call of a model-local function; its body is checked below.
        } else {
          const version = imports.get(domain);
          const label = `${where}: ${describeNode(node, index)}`;
          if (version === undefined) {
            ctx.reportModel(`${label} uses domain '${node.domain || 'ai.onnx'}', which the model does not import in opset_import`);
          } else {
            const resolution = resolveOperator(domain, node.opType, version);
            const domainName = domain || 'ai.onnx';
            if (resolution.status === 'unknown') {
              ctx.reportModel(`${label}: '${node.opType}' is not an operator of ${domainName} (checked against opset ${latestOpset(domain)})`);
            } else if (resolution.status === 'not-yet-defined') {
              ctx.reportModel(`${label}: '${node.opType}' exists in ${domainName} only from opset ${resolution.firstVersion}, but the model imports opset ${version}`);
            } else if (resolution.status === 'deprecated') {
              ctx.reportModel(`${label}: '${node.opType}' is deprecated in ${domainName} since opset ${resolution.deprecatedSince} (the model imports opset ${version})`, { severity: 'warning' });
            }
          }
        }
        node.attribute.forEach((a) => {
          const graphs = a.g ? [a.g] : a.graphs;
          graphs.forEach((g, j) => checkGraph(g, imports, `${where}.node[${index}].${a.name}${a.g ? '' : `[${j}]`}`));
        });
      });
    };
    const checkGraph = (graph: Graph, imports: ReadonlyMap<string, number>, where: string): void => checkNodes(graph.node, imports, where);
    const importsOf = (list: readonly { domain: string; version: number }[]): Map<string, number> =>
      new Map(list.map((o) => [normalizeDomain(o.domain), o.version]));
    const modelImports = importsOf(model.opsetImport);
    for (const [domain, version] of modelImports) {
      const latest = latestOpset(domain);
      if (isStandardDomain(domain) && latest !== undefined && version > latest) {
        ctx.reportModel(`opset_import declares ${domain || 'ai.onnx'} version ${version}, newer than the latest ONNX defines (${latest})`);
      }
    }
    if (model.graph) checkGraph(model.graph, modelImports, 'graph');
    model.trainingInfo.forEach((info, i) => {
      if (info.initialization) checkGraph(info.initialization, modelImports, `training_info[${i}].initialization`);
      if (info.algorithm) checkGraph(info.algorithm, modelImports, `training_info[${i}].algorithm`);
    });
    model.functions.forEach((fn, i) => {
      // A function imports its own opsets; it inherits none from the model.
      checkNodes(fn.node, importsOf(fn.opsetImport), `functions[${i}] (${fn.domain ? `${fn.domain}.` : ''}${fn.name})`);
    });
  },
});
