/**
 * Cost of a node from its shapes: multiply-accumulates (MACs) of the products that dominate
 * inference (Conv, ConvTranspose, MatMul, Gemm, attention) and FLOPs (2 per MAC, plus one
 * per output element for bias and element-wise arithmetic). Symbolic dimensions count as 1,
 * so totals read "per unit of N"; the summary lists which symbols were set to 1.
 */
import type { Node } from './model';
import type { Dim, ValueType } from './shapes';
import { matmulShape, symbolicFactors } from './shapes';

export interface NodeCost {
  /** null when the node's op is costed but its shapes are unknown. */
  flops: number | null;
  macs: number | null;
}

/** Op types whose MACs we compute; an unknown shape on one of these is reported as uncosted. */
export const COSTED_OP_TYPES: ReadonlySet<string> = new Set(['Conv', 'ConvTranspose', 'MatMul', 'Gemm', 'Attention', 'MultiHeadAttention', 'QLinearConv', 'QLinearMatMul', 'MatMulInteger', 'ConvInteger', 'Einsum']);

/** One FLOP per output element. */
const ELEMENTWISE = new Set([
  'Add', 'Sub', 'Mul', 'Div', 'Pow', 'Max', 'Min', 'Sum', 'Mean', 'Relu', 'LeakyRelu', 'PRelu', 'Sigmoid', 'Tanh', 'Exp',
  'Log', 'Sqrt', 'Reciprocal', 'Neg', 'Abs', 'Clip', 'Elu', 'Selu', 'HardSigmoid', 'HardSwish', 'Erf', 'Gelu', 'Softplus',
  'Where', 'Sin', 'Cos',
]);

/** A few FLOPs per element: normalizations and softmax (exp, sum, divide; mean, variance, scale). */
const PER_ELEMENT_COST: Readonly<Record<string, number>> = {
  Softmax: 5, LogSoftmax: 5, BatchNormalization: 2, LayerNormalization: 8, InstanceNormalization: 8, GroupNormalization: 8,
  RMSNormalization: 4,
};

/** Elements of a shape, symbolic dimensions counting 1; undefined when any dim or the rank is unknown. */
export function elementsOf(shape: readonly Dim[] | undefined, symbols?: Set<string>): number | undefined {
  if (!shape) return undefined;
  let n = 1;
  for (const d of shape) {
    if (d === undefined) return undefined;
    if (typeof d === 'string') {
      const { factor, symbols: names } = symbolicFactors(d);
      for (const name of names) symbols?.add(name);
      n *= factor;
      continue;
    }
    n *= d;
  }
  return n;
}

function attrInts(node: Node, name: string): number[] | undefined {
  const a = node.attribute.find((x) => x.name === name);
  return a ? a.ints.map(Number) : undefined;
}

function attrInt(node: Node, name: string, fallback: number): number {
  const a = node.attribute.find((x) => x.name === name);
  return a ? Number(a.i) : fallback;
}

/**
 * The cost of one node; `typeOf` gives the type of a value name; `symbols` collects the
 * symbolic dimensions that were taken as 1.
 */
export function nodeCost(node: Node, typeOf: (name: string) => ValueType | undefined, symbols: Set<string>): NodeCost {
  const shape = (name: string | undefined): Dim[] | undefined => (name ? typeOf(name)?.shape : undefined);
  const out = elementsOf(shape(node.output[0]), symbols);
  const inDefault = node.domain === '' || node.domain === 'ai.onnx' || node.domain === 'com.microsoft';
  if (!inDefault) return { flops: null, macs: null };
  switch (node.opType) {
    case 'Conv': case 'ConvInteger': case 'QLinearConv': {
      const w = shape(node.input[node.opType === 'QLinearConv' ? 3 : 1]);
      const kernel = w ? elementsOf(w.slice(1), symbols) : undefined; // Cin/group * k...
      if (out === undefined || kernel === undefined) return { flops: null, macs: null };
      const macs = out * kernel;
      const bias = node.input[node.opType === 'QLinearConv' ? 8 : 2] ? out : 0;
      return { macs, flops: 2 * macs + bias };
    }
    case 'ConvTranspose': {
      const x = shape(node.input[0]);
      const w = shape(node.input[1]);
      const inElements = elementsOf(x, symbols);
      const perInput = w ? elementsOf(w.slice(1), symbols) : undefined; // Cout/group * k...
      if (inElements === undefined || perInput === undefined) return { flops: null, macs: null };
      const macs = inElements * perInput;
      return { macs, flops: 2 * macs + (node.input[2] && out !== undefined ? out : 0) };
    }
    case 'MatMul': case 'MatMulInteger': case 'QLinearMatMul': {
      const a = shape(node.input[0]);
      const b = shape(node.input[node.opType === 'QLinearMatMul' ? 3 : 1]);
      const k = a?.[a.length - 1];
      const result = matmulShape(a, b);
      const resultElements = elementsOf(result, symbols);
      const kSize = elementsOf(k === undefined ? undefined : [k], symbols);
      if (resultElements === undefined || kSize === undefined) return { flops: null, macs: null };
      const macs = resultElements * kSize;
      return { macs, flops: 2 * macs };
    }
    case 'Gemm': {
      const a = shape(node.input[0]);
      if (!a || a.length !== 2 || out === undefined) return { flops: null, macs: null };
      const k = attrInt(node, 'transA', 0) ? a[0] : a[1];
      const kSize = elementsOf(k === undefined ? undefined : [k], symbols);
      if (kSize === undefined) return { flops: null, macs: null };
      const macs = out * kSize;
      return { macs, flops: 2 * macs + (node.input[2] ? out : 0) };
    }
    case 'Attention': case 'MultiHeadAttention': {
      // QK^T and the product with V: B*H*Sq*Sk*(Dqk+Dv) MACs; taken from Q, K, V shapes.
      const q = shape(node.input[0]), k = shape(node.input[1]), v = shape(node.input[2]);
      if (!q || !k || !v) return { flops: null, macs: null };
      let macs: number | undefined;
      if (q.length === 4 && k.length === 4 && v.length === 4) {
        const bh = elementsOf(q.slice(0, 2), symbols), sq = elementsOf([q[2]], symbols), sk = elementsOf([k[2]], symbols);
        const dqk = elementsOf([q[3]], symbols), dv = elementsOf([v[3]], symbols);
        if ([bh, sq, sk, dqk, dv].every((x) => x !== undefined)) macs = bh! * sq! * sk! * (dqk! + dv!);
      } else if (q.length === 3 && k.length === 3 && v.length === 3) {
        // Hidden sizes folded over heads: B*Sq*Sk*(Hq*Dqk + Hq*Dv) = B*Sq*Sk*(hiddenQ + hiddenV*Hq/Hkv).
        const b = elementsOf([q[0]], symbols), sq = elementsOf([q[1]], symbols), sk = elementsOf([k[1]], symbols);
        const hq = elementsOf([q[2]], symbols), hv = elementsOf([v[2]], symbols);
        const qHeads = attrInt(node, 'q_num_heads', attrInt(node, 'num_heads', 1));
        const kvHeads = attrInt(node, 'kv_num_heads', qHeads);
        if ([b, sq, sk, hq, hv].every((x) => x !== undefined)) macs = b! * sq! * sk! * (hq! + (hv! * qHeads) / kvHeads);
      }
      if (macs === undefined) return { flops: null, macs: null };
      return { macs, flops: 2 * macs };
    }
    case 'MaxPool': case 'AveragePool': case 'LpPool': {
      const kernel = attrInts(node, 'kernel_shape');
      if (out === undefined || !kernel) return { flops: null, macs: null };
      return { macs: null, flops: out * kernel.reduce((p, k) => p * k, 1) };
    }
    case 'GlobalAveragePool': case 'GlobalMaxPool': {
      const inElements = elementsOf(shape(node.input[0]), symbols);
      return { macs: null, flops: inElements ?? null };
    }
    default:
      if (ELEMENTWISE.has(node.opType)) return { macs: null, flops: out ?? null };
      if (node.opType in PER_ELEMENT_COST) return { macs: null, flops: out === undefined ? null : out * PER_ELEMENT_COST[node.opType] };
      return { flops: null, macs: null };
  }
}
