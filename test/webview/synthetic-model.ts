/**
 * Transformer-like ONNX models of a chosen size, built with the repo's encoder, for the
 * graph view's tests and benchmark: node names carry name scopes the way PyTorch's
 * exporter writes them (`/transformer/h.3/attn/MatMul_1`), every layer has its own
 * (tiny) weights, and a few nodes carry the dynamo exporter's source metadata.
 */
import { DataType } from '../../server/src/onnx/data-types';
import { encodeModel, float32Raw, int64Raw, type NodeSpec, type TensorSpec } from '../../server/src/onnx/encode';

export interface SyntheticOptions {
  /** Approximate node count (rounded up to whole layers). */
  nodes: number;
  /** Hidden size; keep it small so the file stays small. */
  hidden?: number;
  /** Absolute path written into the stack traces (as if exported on another machine). */
  sourcePath?: string;
}

const NODES_PER_LAYER = 32;

export function syntheticTransformer(options: SyntheticOptions): Uint8Array {
  const h = options.hidden ?? 8;
  const layers = Math.max(1, Math.ceil((options.nodes - 6) / NODES_PER_LAYER));
  const nodes: NodeSpec[] = [];
  const inits: TensorSpec[] = [];
  const weight = (name: string, dims: number[]): string => {
    const n = dims.reduce((a, b) => a * b, 1);
    const values = new Float32Array(n);
    for (let i = 0; i < n; i++) values[i] = Math.sin(i * 12.9898 + name.length) * 0.05;
    inits.push({ name, dataType: DataType.FLOAT, dims, raw: float32Raw(values) });
    return name;
  };
  inits.push({ name: 'heads_shape', dataType: DataType.INT64, dims: [4], raw: int64Raw([0, 0, 2, h / 2]) });
  inits.push({ name: 'merge_shape', dataType: DataType.INT64, dims: [3], raw: int64Raw([0, 0, h]) });
  inits.push({ name: 'scale', dataType: DataType.FLOAT, dims: [], raw: float32Raw([Math.sqrt(h / 2)]) });
  const src = options.sourcePath ?? '/home/alice/work/gpt/model.py';
  const meta = (cls: string, line: number, scope: string) => [
    { key: 'pkg.torch.onnx.stack_trace', value: `File "${src}", line ${line}, in forward\n    x = self.${scope}(x)` },
    { key: 'pkg.torch.onnx.class_hierarchy', value: `['__main__.GPT', '__main__.Block', '${cls}']` },
    { key: 'pkg.torch.onnx.name_scopes', value: `['', 'transformer', '${scope}']` },
  ];
  const node = (name: string, opType: string, input: string[], output: string[], extra: Partial<NodeSpec> = {}): string => {
    nodes.push({ name, opType, input, output, ...extra });
    return output[0];
  };
  let x = node('/transformer/wte/Gather', 'Gather', [weight('transformer.wte.weight', [64, h]), 'input_ids'], ['/transformer/wte/Gather_output_0']);
  for (let l = 0; l < layers; l++) {
    const p = `/transformer/h.${l}`;
    const w = (n: string, dims: number[]) => weight(`transformer.h.${l}.${n}`, dims);
    const ln = (name: string, input: string) =>
      node(`${p}/${name}/LayerNormalization`, 'LayerNormalization', [input, w(`${name}.weight`, [h]), w(`${name}.bias`, [h])], [`${p}/${name}/LayerNormalization_output_0`], {
        attribute: [{ name: 'axis', i: -1 }, { name: 'epsilon', f: 1e-5 }],
      });
    const linear = (scope: string, input: string, inF: number, outF: number) => {
      const mm = node(`${p}/${scope}/MatMul`, 'MatMul', [input, w(`${scope.replace(/\//g, '.')}.weight`, [inF, outF])], [`${p}/${scope}/MatMul_output_0`], l === 0 ? { metadataProps: meta('torch.nn.modules.linear.Linear', 40 + l, `${scope}`) } : {});
      return node(`${p}/${scope}/Add`, 'Add', [mm, w(`${scope.replace(/\//g, '.')}.bias`, [outF])], [`${p}/${scope}/Add_output_0`]);
    };
    const a = ln('ln_1', x);
    const heads = (name: string) => {
      const v = linear(`attn/${name}`, a, h, h);
      const r = node(`${p}/attn/${name}/Reshape`, 'Reshape', [v, 'heads_shape'], [`${p}/attn/${name}/Reshape_output_0`]);
      return node(`${p}/attn/${name}/Transpose`, 'Transpose', [r], [`${p}/attn/${name}/Transpose_output_0`], { attribute: [{ name: 'perm', ints: [0, 2, 1, 3] }] });
    };
    const q = heads('q_proj'), k = heads('k_proj'), v = heads('v_proj');
    const kt = node(`${p}/attn/Transpose`, 'Transpose', [k], [`${p}/attn/Transpose_output_0`], { attribute: [{ name: 'perm', ints: [0, 1, 3, 2] }] });
    const s = node(`${p}/attn/MatMul`, 'MatMul', [q, kt], [`${p}/attn/MatMul_output_0`], l === 0 ? { metadataProps: meta('__main__.CausalSelfAttention', 61, 'attn') } : {});
    const sd = node(`${p}/attn/Div`, 'Div', [s, 'scale'], [`${p}/attn/Div_output_0`]);
    const sm = node(`${p}/attn/Softmax`, 'Softmax', [sd], [`${p}/attn/Softmax_output_0`], { attribute: [{ name: 'axis', i: -1 }] });
    const ctx = node(`${p}/attn/MatMul_1`, 'MatMul', [sm, v], [`${p}/attn/MatMul_1_output_0`]);
    const ct = node(`${p}/attn/Transpose_1`, 'Transpose', [ctx], [`${p}/attn/Transpose_1_output_0`], { attribute: [{ name: 'perm', ints: [0, 2, 1, 3] }] });
    const cr = node(`${p}/attn/Reshape`, 'Reshape', [ct, 'merge_shape'], [`${p}/attn/Reshape_output_0`]);
    const o = linear('attn/c_proj', cr, h, h);
    const r1 = node(`${p}/Add`, 'Add', [x, o], [`${p}/Add_output_0`]);
    const b = ln('ln_2', r1);
    const f1 = linear('mlp/c_fc', b, h, 4 * h);
    const g1 = node(`${p}/mlp/act/Mul`, 'Mul', [f1, f1], [`${p}/mlp/act/Mul_output_0`]);
    const g2 = node(`${p}/mlp/act/Tanh`, 'Tanh', [g1], [`${p}/mlp/act/Tanh_output_0`]);
    const g3 = node(`${p}/mlp/act/Mul_1`, 'Mul', [f1, g2], [`${p}/mlp/act/Mul_1_output_0`]);
    const f2 = linear('mlp/c_proj', g3, 4 * h, h);
    x = node(`${p}/Add_1`, 'Add', [r1, f2], [`${p}/Add_1_output_0`]);
  }
  const lnf = node('/transformer/ln_f/LayerNormalization', 'LayerNormalization', [x, weight('transformer.ln_f.weight', [h]), weight('transformer.ln_f.bias', [h])], ['/transformer/ln_f/LayerNormalization_output_0'], {
    attribute: [{ name: 'axis', i: -1 }],
  });
  node('/lm_head/MatMul', 'MatMul', [lnf, weight('lm_head.weight', [h, 64])], ['logits']);
  return encodeModel({
    irVersion: 9,
    opsetImport: [{ domain: '', version: 18 }],
    producerName: 'pytorch',
    producerVersion: '2.5.0',
    metadataProps: [{ key: 'git_commit', value: '0123abc' }, { key: 'training_config', value: 'configs/gpt-small.yaml' }],
    graph: {
      name: 'main_graph',
      node: nodes,
      initializer: inits,
      input: [{ name: 'input_ids', type: { tensor: { elemType: DataType.INT64, shape: ['batch', 'sequence'] } } }],
      output: [{ name: 'logits', type: { tensor: { elemType: DataType.FLOAT, shape: ['batch', 'sequence', 64] } } }],
    },
  });
}
