/**
 * Type and shape propagation through a graph for the common operators, with symbolic
 * dimensions, and enough constant propagation of small int64 tensors (Shape -> Gather ->
 * Concat -> Reshape, as exporters write it) to resolve Reshape/Expand/Slice targets.
 *
 * Declared types (graph inputs/outputs, value_info, initializers) win; inference fills in
 * what is missing. Unknown stays unknown: an op without a rule here leaves its outputs
 * untyped rather than guessed.
 */
import { DataType } from './data-types';
import type { Attribute, Graph, Int64, Node, OnnxModel, Tensor, TypeProto } from './model';
import { readSmallIntegerTensor } from './small-tensors';

/** A dimension: a size, a symbolic name, or undefined when unknown. */
export type Dim = number | string | undefined;

export interface ValueType {
  elemType: number;
  /** undefined: unknown rank. */
  shape: Dim[] | undefined;
  /** For non-tensor types (sequence, map...), the declared TypeProto. */
  declared?: TypeProto;
}

export interface GraphTypes {
  /** Type of every value name known in this graph (outer scope included). */
  types: Map<string, ValueType>;
  /** Names whose type came from inference, not from the model. */
  inferred: Set<string>;
}

/** The maximum number of elements of a constant int tensor that propagation follows. */
const MAX_CONSTANT_ELEMENTS = 64;

export function valueTypeFromProto(type: TypeProto | undefined): ValueType | undefined {
  if (!type) return undefined;
  const value = type.value;
  if (value.kind === 'tensor' || value.kind === 'sparse_tensor') {
    return {
      elemType: value.elemType,
      shape: value.shape?.map((d) => (d.value !== undefined ? d.value : d.param !== undefined && d.param !== '' ? d.param : undefined)),
      declared: value.kind === 'sparse_tensor' ? type : undefined,
    };
  }
  return { elemType: 0, shape: undefined, declared: type };
}

function attr(node: Node, name: string): Attribute | undefined {
  return node.attribute.find((a) => a.name === name);
}

function attrInt(node: Node, name: string, fallback: number): number {
  const a = attr(node, name);
  return a ? Number(a.i) : fallback;
}

function attrInts(node: Node, name: string): number[] | undefined {
  const a = attr(node, name);
  return a ? a.ints.map((v) => Number(v)) : undefined;
}

function normAxis(axis: number, rank: number): number {
  return axis < 0 ? axis + rank : axis;
}

/** Product of dims when all are numbers. */
export function staticSize(shape: readonly Dim[] | undefined): number | undefined {
  if (!shape) return undefined;
  let size = 1;
  for (const d of shape) {
    if (typeof d !== 'number') return undefined;
    size *= d;
  }
  return size;
}

/** Numpy-style broadcasting of several shapes; unknown where it cannot be decided. */
export function broadcastShapes(shapes: (Dim[] | undefined)[]): Dim[] | undefined {
  if (shapes.some((s) => s === undefined)) return undefined;
  const known = shapes as Dim[][];
  const rank = Math.max(0, ...known.map((s) => s.length));
  const out: Dim[] = [];
  for (let i = 0; i < rank; i++) {
    let dim: Dim = 1;
    for (const s of known) {
      const j = s.length - rank + i;
      if (j < 0) continue; // a missing leading dim broadcasts
      const d = s[j];
      if (d === 1 || d === dim) continue;
      if (dim === 1) dim = d;
      // A conflict: a known size wins over a symbol or an unknown (which must be 1 or equal);
      // two different symbols, or a symbol and an unknown, stay unknown.
      else if (typeof d === 'number' && typeof dim !== 'number') dim = d;
      else if (typeof dim !== 'number') dim = undefined;
    }
    out.push(dim);
  }
  return out;
}

const UNARY_SAME_TYPE = new Set([
  'Abs', 'Acos', 'Acosh', 'Asin', 'Asinh', 'Atan', 'Atanh', 'Ceil', 'Celu', 'Clip', 'Cos', 'Cosh', 'CumSum', 'Elu', 'Erf',
  'Exp', 'Floor', 'Gelu', 'HardSigmoid', 'HardSwish', 'Hardmax', 'Identity', 'InstanceNormalization', 'LRN', 'LeakyRelu',
  'Log', 'LogSoftmax', 'LpNormalization', 'MeanVarianceNormalization', 'Mish', 'Neg', 'Reciprocal', 'Relu', 'Round',
  'Selu', 'Shrink', 'Sigmoid', 'Sign', 'Sin', 'Sinh', 'Softmax', 'Softplus', 'Softsign', 'Sqrt', 'Tan', 'Tanh',
  'ThresholdedRelu', 'GroupNormalization', 'BitwiseNot', 'Swish', 'RMSNormalization',
]);

const BINARY_BROADCAST = new Set(['Add', 'Sub', 'Mul', 'Div', 'Pow', 'Max', 'Min', 'Sum', 'Mean', 'Mod', 'PRelu', 'BitShift', 'BitwiseAnd', 'BitwiseOr', 'BitwiseXor']);
const COMPARISON = new Set(['Equal', 'Less', 'Greater', 'LessOrEqual', 'GreaterOrEqual', 'And', 'Or', 'Xor']);
const REDUCE = new Set(['ReduceMean', 'ReduceSum', 'ReduceMax', 'ReduceMin', 'ReduceProd', 'ReduceL1', 'ReduceL2', 'ReduceLogSum', 'ReduceLogSumExp', 'ReduceSumSquare']);

/**
 * Infers types for every value of `graph` (subgraphs are handled by their own call, with
 * this graph's types as outer scope). `opset` is the ai.onnx version the graph uses.
 */
export function inferGraphTypes(model: OnnxModel, graph: Graph, opset: number, outer?: ReadonlyMap<string, ValueType>): GraphTypes {
  const types = new Map<string, ValueType>(outer);
  const inferred = new Set<string>();
  const constants = new Map<string, Dim[]>();
  for (const t of graph.initializer) {
    types.set(t.name, { elemType: t.dataType, shape: [...t.dims] });
    const values = constantValues(model, t);
    if (values) constants.set(t.name, values);
  }
  for (const v of [...graph.input, ...graph.valueInfo, ...graph.output]) {
    const declared = valueTypeFromProto(v.type);
    if (declared && (declared.shape || declared.elemType || declared.declared)) types.set(v.name, declared);
  }
  for (const node of graph.node) {
    let outputs: (ValueType | undefined)[] = [];
    try {
      outputs = inferNode(model, node, opset, types, constants);
    } catch {
      // A malformed node (attribute of the wrong kind, inconsistent ranks) leaves its outputs unknown.
      outputs = [];
    }
    node.output.forEach((name, i) => {
      if (!name) return;
      const current = types.get(name);
      const guess = outputs[i];
      if (!guess) return;
      if (!current) {
        types.set(name, guess);
        inferred.add(name);
      } else if (current.shape === undefined && guess.shape !== undefined && !current.declared) {
        types.set(name, { elemType: current.elemType || guess.elemType, shape: guess.shape });
        inferred.add(name);
      }
    });
  }
  return { types, inferred };
}

function constantValues(model: OnnxModel, tensor: Tensor): Dim[] | undefined {
  if (tensor.dataType !== DataType.INT64 && tensor.dataType !== DataType.INT32) return undefined;
  if (tensor.dims.length > 1) return undefined;
  const values = readSmallIntegerTensor(model, tensor, MAX_CONSTANT_ELEMENTS);
  return values?.map((v) => Number(v));
}

function inferNode(
  model: OnnxModel,
  node: Node,
  opset: number,
  types: Map<string, ValueType>,
  constants: Map<string, Dim[]>,
): (ValueType | undefined)[] {
  const input = (i: number): ValueType | undefined => (node.input[i] ? types.get(node.input[i]) : undefined);
  const shapeOf = (i: number): Dim[] | undefined => input(i)?.shape;
  const elem = (i: number): number => input(i)?.elemType ?? 0;
  const constant = (i: number): Dim[] | undefined => (node.input[i] ? constants.get(node.input[i]) : undefined);
  const setConstant = (values: Dim[] | undefined): void => {
    if (values && node.output[0] && values.length <= MAX_CONSTANT_ELEMENTS) constants.set(node.output[0], values);
  };
  const op = node.domain === '' || node.domain === 'ai.onnx' ? node.opType : `${node.domain}.${node.opType}`;

  if (UNARY_SAME_TYPE.has(op)) return [input(0) && { elemType: elem(0), shape: shapeOf(0) }];
  if (BINARY_BROADCAST.has(op)) {
    if (op === 'Add' || op === 'Sub' || op === 'Mul' || op === 'Div') setConstant(constantArithmetic(op, constant(0), constant(1)));
    return [{ elemType: elem(0) || elem(1), shape: broadcastShapes(node.input.map((_, i) => shapeOf(i))) }];
  }
  if (COMPARISON.has(op)) return [{ elemType: DataType.BOOL, shape: broadcastShapes(node.input.map((_, i) => shapeOf(i))) }];

  switch (op) {
    case 'Not': case 'IsNaN': case 'IsInf':
      return [{ elemType: DataType.BOOL, shape: shapeOf(0) }];
    case 'Where':
      return [{ elemType: elem(1) || elem(2), shape: broadcastShapes([shapeOf(0), shapeOf(1), shapeOf(2)]) }];
    case 'Cast': {
      const c = constant(0);
      if (c) setConstant(c);
      return [{ elemType: attrInt(node, 'to', 0), shape: shapeOf(0) }];
    }
    case 'CastLike':
      return [{ elemType: elem(1), shape: shapeOf(0) }];
    case 'Dropout':
      return [{ elemType: elem(0), shape: shapeOf(0) }, { elemType: DataType.BOOL, shape: shapeOf(0) }];
    case 'BatchNormalization':
    case 'LayerNormalization':
      return [{ elemType: elem(0), shape: shapeOf(0) }];
    case 'QuantizeLinear':
      return [{ elemType: elem(2) || attrInt(node, 'output_dtype', 0) || DataType.UINT8, shape: shapeOf(0) }];
    case 'DequantizeLinear':
      return [{ elemType: elem(1) || DataType.FLOAT, shape: shapeOf(0) }];
    case 'Constant': {
      const t = attr(node, 'value');
      if (t?.t) {
        const values = constantValues(model, t.t);
        if (values) setConstant(values);
        return [{ elemType: t.t.dataType, shape: [...t.t.dims] }];
      }
      const ints = attr(node, 'value_ints');
      if (ints) { setConstant(ints.ints.map(Number)); return [{ elemType: DataType.INT64, shape: [ints.ints.length] }]; }
      const i = attr(node, 'value_int');
      if (i) { setConstant([Number(i.i)]); return [{ elemType: DataType.INT64, shape: [] }]; }
      const f = attr(node, 'value_float');
      if (f) return [{ elemType: DataType.FLOAT, shape: [] }];
      const fs = attr(node, 'value_floats');
      if (fs) return [{ elemType: DataType.FLOAT, shape: [fs.floats.length] }];
      return [];
    }
    case 'ConstantOfShape': {
      const target = constant(0);
      const value = attr(node, 'value')?.t;
      const rank = staticSize(shapeOf(0));
      const unknownDims = rank !== undefined && rank <= MAX_CONSTANT_ELEMENTS ? new Array<Dim>(rank).fill(undefined) : undefined;
      return [{ elemType: value?.dataType ?? DataType.FLOAT, shape: target ?? unknownDims }];
    }
    case 'Shape': {
      const s = shapeOf(0);
      let values = s;
      if (s && opset >= 15) {
        const rank = s.length;
        const start = Math.max(0, Math.min(rank, normAxis(attrInt(node, 'start', 0), rank)));
        const endAttr = attr(node, 'end');
        const end = endAttr ? Math.max(0, Math.min(rank, normAxis(Number(endAttr.i), rank))) : rank;
        values = s.slice(start, end);
      }
      setConstant(values);
      return [{ elemType: DataType.INT64, shape: values ? [values.length] : [undefined] }];
    }
    case 'Size':
      return [{ elemType: DataType.INT64, shape: [] }];
    case 'Conv': case 'ConvInteger': case 'QLinearConv':
      return [convOutput(node, shapeOf(0), shapeOf(op === 'QLinearConv' ? 3 : 1), op === 'ConvInteger' ? DataType.INT32 : elem(0))];
    case 'ConvTranspose':
      return [convTransposeOutput(node, shapeOf(0), shapeOf(1), elem(0))];
    case 'MaxPool': case 'AveragePool': case 'LpPool': {
      const out = poolOutput(node, shapeOf(0), elem(0));
      return op === 'MaxPool' ? [out, { elemType: DataType.INT64, shape: out.shape }] : [out];
    }
    case 'GlobalAveragePool': case 'GlobalMaxPool': case 'GlobalLpPool': {
      const s = shapeOf(0);
      return [{ elemType: elem(0), shape: s && [s[0], s[1], ...s.slice(2).map(() => 1)] }];
    }
    case 'MatMul': case 'MatMulInteger': case 'QLinearMatMul': {
      const a = shapeOf(0), b = shapeOf(op === 'QLinearMatMul' ? 3 : 1);
      return [{ elemType: op === 'MatMulInteger' ? DataType.INT32 : elem(0), shape: matmulShape(a, b) }];
    }
    case 'Gemm': {
      const a = shapeOf(0), b = shapeOf(1);
      if (!a || !b || a.length !== 2 || b.length !== 2) return [{ elemType: elem(0), shape: undefined }];
      const m = attrInt(node, 'transA', 0) ? a[1] : a[0];
      const n = attrInt(node, 'transB', 0) ? b[0] : b[1];
      return [{ elemType: elem(0), shape: [m, n] }];
    }
    case 'Flatten': {
      const s = shapeOf(0);
      if (!s) return [{ elemType: elem(0), shape: [undefined, undefined] }];
      const axis = normAxis(attrInt(node, 'axis', 1), s.length);
      return [{ elemType: elem(0), shape: [product(s.slice(0, axis)), product(s.slice(axis))] }];
    }
    case 'Reshape': {
      const target = opset >= 5 ? constant(1) : attrInts(node, 'shape');
      const s = shapeOf(0);
      if (!target) return [{ elemType: elem(0), shape: undefined }];
      const allowZero = attrInt(node, 'allowzero', 0) === 1;
      const out: Dim[] = target.map((d, i) => (d === 0 && !allowZero ? s?.[i] : d));
      const minus = out.indexOf(-1);
      if (minus >= 0) {
        const total = staticSize(s);
        const known = staticSize(out.filter((_, i) => i !== minus));
        out[minus] = total !== undefined && known ? total / known : symbolicRemainder(s, out, minus);
      }
      const c = constant(0);
      if (c) setConstant(c);
      return [{ elemType: elem(0), shape: out }];
    }
    case 'Transpose': {
      const s = shapeOf(0);
      if (!s) return [{ elemType: elem(0), shape: undefined }];
      const perm = attrInts(node, 'perm') ?? s.map((_, i) => s.length - 1 - i);
      return [{ elemType: elem(0), shape: perm.map((p) => s[p]) }];
    }
    case 'Concat': {
      const shapes = node.input.map((_, i) => shapeOf(i));
      const consts = node.input.map((_, i) => constant(i));
      if (consts.every((c) => c)) setConstant(consts.flat() as Dim[]);
      if (shapes.some((s) => !s)) return [{ elemType: elem(0), shape: undefined }];
      const rank = shapes[0]!.length;
      const axis = normAxis(attrInt(node, 'axis', 0), rank);
      const out = [...shapes[0]!];
      let total: Dim = 0;
      for (const s of shapes) {
        const d = s![axis];
        total = typeof total === 'number' && typeof d === 'number' ? total + d : undefined;
      }
      out[axis] = total;
      return [{ elemType: elem(0), shape: out }];
    }
    case 'Gather': {
      const data = shapeOf(0), indices = shapeOf(1);
      const c = constant(0), idx = constant(1);
      if (c && idx && data?.length === 1) {
        const picked = idx.map((i) => (typeof i === 'number' ? c[i < 0 ? i + c.length : i] : undefined));
        setConstant(picked);
      }
      if (!data || !indices) return [{ elemType: elem(0), shape: undefined }];
      const axis = normAxis(attrInt(node, 'axis', 0), data.length);
      return [{ elemType: elem(0), shape: [...data.slice(0, axis), ...indices, ...data.slice(axis + 1)] }];
    }
    case 'Unsqueeze': {
      const s = shapeOf(0);
      const axes = opset >= 13 ? constant(1) : attrInts(node, 'axes');
      const c = constant(0);
      if (c) setConstant(c);
      if (!s || !axes || axes.some((a) => typeof a !== 'number')) return [{ elemType: elem(0), shape: undefined }];
      const rank = s.length + axes.length;
      const positions = new Set((axes as number[]).map((a) => normAxis(a, rank)));
      const out: Dim[] = [];
      let j = 0;
      for (let i = 0; i < rank; i++) out.push(positions.has(i) ? 1 : s[j++]);
      return [{ elemType: elem(0), shape: out }];
    }
    case 'Squeeze': {
      const s = shapeOf(0);
      const axes = opset >= 13 ? (node.input[1] ? constant(1) : undefined) : attrInts(node, 'axes');
      const c = constant(0);
      if (c) setConstant(c);
      if (!s) return [{ elemType: elem(0), shape: undefined }];
      if (!axes) {
        if (opset >= 13 && node.input[1]) return [{ elemType: elem(0), shape: undefined }];
        if (s.some((d) => typeof d !== 'number')) return [{ elemType: elem(0), shape: undefined }];
        return [{ elemType: elem(0), shape: s.filter((d) => d !== 1) }];
      }
      const drop = new Set((axes as number[]).map((a) => normAxis(a, s.length)));
      return [{ elemType: elem(0), shape: s.filter((_, i) => !drop.has(i)) }];
    }
    case 'Expand': {
      const target = constant(1);
      return [{ elemType: elem(0), shape: target ? broadcastShapes([shapeOf(0), target]) : undefined }];
    }
    case 'Slice': {
      const s = shapeOf(0);
      if (!s) return [{ elemType: elem(0), shape: undefined }];
      const starts = opset >= 10 ? constant(1) : attrInts(node, 'starts');
      const ends = opset >= 10 ? constant(2) : attrInts(node, 'ends');
      const axes = opset >= 10 ? (node.input[3] ? constant(3) : s.map((_, i) => i)) : attrInts(node, 'axes') ?? s.map((_, i) => i);
      const steps = opset >= 10 && node.input[4] ? constant(4) : undefined;
      if (!starts || !ends || !axes) return [{ elemType: elem(0), shape: s.map(() => undefined) }];
      const out = [...s];
      axes.forEach((a, k) => {
        const axis = normAxis(Number(a), s.length);
        const dim = s[axis];
        const start = starts[k], end = ends[k], step = Number(steps?.[k] ?? 1);
        if (typeof dim !== 'number' || typeof start !== 'number' || typeof end !== 'number' || !step) { out[axis] = undefined; return; }
        const clamp = (v: number, lo: number, hi: number): number => Math.max(lo, Math.min(hi, v < 0 ? v + dim : v));
        const from = step > 0 ? clamp(start, 0, dim) : clamp(start, -1, dim - 1);
        const to = step > 0 ? clamp(end, 0, dim) : clamp(end, -1, dim - 1);
        out[axis] = Math.max(0, Math.ceil((to - from) / step));
      });
      return [{ elemType: elem(0), shape: out }];
    }
    case 'Pad': {
      const s = shapeOf(0);
      const pads = opset >= 11 ? constant(1) : attrInts(node, 'pads');
      if (!s || !pads || pads.length !== 2 * s.length) return [{ elemType: elem(0), shape: s?.map(() => undefined) }];
      return [{ elemType: elem(0), shape: s.map((d, i) => addDims(d, pads[i], pads[i + s.length])) }];
    }
    case 'Split': {
      const s = shapeOf(0);
      const count = node.output.length;
      if (!s) return node.output.map(() => ({ elemType: elem(0), shape: undefined }));
      const axis = normAxis(attrInt(node, 'axis', 0), s.length);
      const split = opset >= 13 ? (node.input[1] ? constant(1) : undefined) : attrInts(node, 'split');
      const dim = s[axis];
      return node.output.map((_, i) => {
        const out = [...s];
        out[axis] = split ? split[i] : typeof dim === 'number' && dim % count === 0 ? dim / count : undefined;
        return { elemType: elem(0), shape: out };
      });
    }
    case 'ArgMax': case 'ArgMin': {
      const s = shapeOf(0);
      if (!s) return [{ elemType: DataType.INT64, shape: undefined }];
      const axis = normAxis(attrInt(node, 'axis', 0), s.length);
      const keep = attrInt(node, 'keepdims', 1);
      return [{ elemType: DataType.INT64, shape: keep ? s.map((d, i) => (i === axis ? 1 : d)) : s.filter((_, i) => i !== axis) }];
    }
    case 'Attention': {
      // ai.onnx Attention (opset 23): Q [B, Sq, Hq*D] or [B, Hq, Sq, D]; output follows Q with V's head size.
      const q = shapeOf(0), v = shapeOf(2);
      if (!q || !v) return [{ elemType: elem(0), shape: undefined }];
      if (q.length === 4 && v.length === 4) return [{ elemType: elem(0), shape: [q[0], q[1], q[2], v[3]] }];
      if (q.length === 3 && v.length === 3) {
        const qHeads = attrInt(node, 'q_num_heads', 0), kvHeads = attrInt(node, 'kv_num_heads', 0);
        const vHidden = v[2];
        const out = qHeads && kvHeads && typeof vHidden === 'number' ? (vHidden / kvHeads) * qHeads : undefined;
        return [{ elemType: elem(0), shape: [q[0], q[1], out] }];
      }
      return [{ elemType: elem(0), shape: undefined }];
    }
    default:
      if (REDUCE.has(op)) {
        const s = shapeOf(0);
        if (!s) return [{ elemType: elem(0), shape: undefined }];
        const axesFromInput = (op === 'ReduceSum' && opset >= 13) || opset >= 18;
        const axes = axesFromInput ? (node.input[1] ? constant(1) : undefined) : attrInts(node, 'axes');
        const keep = attrInt(node, 'keepdims', 1);
        if (axesFromInput && node.input[1] && !axes) return [{ elemType: elem(0), shape: keep ? s.map(() => undefined) : undefined }];
        const reduceAll = !axes || axes.length === 0;
        if (reduceAll && attrInt(node, 'noop_with_empty_axes', 0)) return [{ elemType: elem(0), shape: s }];
        const set = new Set(reduceAll ? s.map((_, i) => i) : (axes as number[]).map((a) => normAxis(Number(a), s.length)));
        return [{ elemType: elem(0), shape: keep ? s.map((d, i) => (set.has(i) ? 1 : d)) : s.filter((_, i) => !set.has(i)) }];
      }
      return [];
  }
}

/**
 * Element-wise arithmetic on small constant vectors (shape computations: `batch * 4`,
 * `192 / 3`). Symbolic operands give symbolic results (`batch*4`), which `symbolicFactors`
 * takes apart again when counting FLOPs.
 */
function constantArithmetic(op: string, a: Dim[] | undefined, b: Dim[] | undefined): Dim[] | undefined {
  if (!a || !b || (a.length !== b.length && a.length !== 1 && b.length !== 1)) return undefined;
  const n = Math.max(a.length, b.length);
  const out: Dim[] = [];
  for (let i = 0; i < n; i++) {
    const x = a[a.length === 1 ? 0 : i], y = b[b.length === 1 ? 0 : i];
    if (x === undefined || y === undefined) { out.push(undefined); continue; }
    if (typeof x === 'number' && typeof y === 'number') {
      out.push(op === 'Add' ? x + y : op === 'Sub' ? x - y : op === 'Mul' ? x * y : y === 0 ? undefined : Math.trunc(x / y));
    } else if (op === 'Mul') {
      out.push(x === 1 ? y : y === 1 ? x : `${x}*${y}`);
    } else if (op === 'Div') {
      out.push(y === 1 ? x : `${x}/${y}`);
    } else {
      out.push((op === 'Add' || op === 'Sub') && y === 0 ? x : undefined);
    }
  }
  return out;
}

/**
 * A symbolic dim as numeric factor and symbols: `batch*4` -> 4 and [batch], `seq/2` -> 0.5
 * and [seq]. Symbols count as 1 in FLOP totals.
 */
export function symbolicFactors(dim: string): { factor: number; symbols: string[] } {
  let factor = 1;
  const symbols: string[] = [];
  const tokens = dim.split(/([*/])/);
  let divide = false;
  for (const token of tokens) {
    if (token === '*') { divide = false; continue; }
    if (token === '/') { divide = true; continue; }
    const n = Number(token);
    if (token !== '' && Number.isFinite(n)) factor = divide ? factor / n : factor * n;
    else if (token) symbols.push(token);
  }
  return { factor, symbols };
}

function product(dims: Dim[]): Dim {
  let size = 1;
  for (const d of dims) {
    if (typeof d !== 'number') return dims.length === 1 ? d : undefined;
    size *= d;
  }
  return size;
}

/** Reshape's -1 when the input has exactly one symbolic dim that the target keeps elsewhere. */
function symbolicRemainder(input: Dim[] | undefined, target: Dim[], minus: number): Dim {
  if (!input) return undefined;
  const symbols = input.filter((d) => typeof d === 'string');
  if (symbols.length !== 1 || target.includes(symbols[0])) return undefined;
  const numericIn = staticSize(input.filter((d) => typeof d === 'number'));
  const numericOut = staticSize(target.filter((d, i) => i !== minus));
  if (numericIn === undefined || numericOut === undefined || numericIn % numericOut !== 0) return undefined;
  return numericIn / numericOut === 1 ? symbols[0] : undefined;
}

function addDims(d: Dim, before: Dim, after: Dim): Dim {
  return typeof d === 'number' && typeof before === 'number' && typeof after === 'number' ? d + before + after : undefined;
}

export function matmulShape(a: Dim[] | undefined, b: Dim[] | undefined): Dim[] | undefined {
  if (!a || !b || a.length === 0 || b.length === 0) return undefined;
  const a2 = a.length === 1 ? [1, a[0]] : a;
  const b2 = b.length === 1 ? [b[0], 1] : b;
  const batch = broadcastShapes([a2.slice(0, -2), b2.slice(0, -2)]);
  if (!batch) return undefined;
  const out = [...batch, a2[a2.length - 2], b2[b2.length - 1]];
  if (a.length === 1) out.splice(out.length - 2, 1);
  if (b.length === 1) out.splice(out.length - 1, 1);
  return out;
}

function spatialAttrs(node: Node, spatial: number) {
  return {
    strides: attrInts(node, 'strides') ?? new Array(spatial).fill(1),
    dilations: attrInts(node, 'dilations') ?? new Array(spatial).fill(1),
    pads: attrInts(node, 'pads') ?? new Array(2 * spatial).fill(0),
    autoPad: (() => {
      const a = attr(node, 'auto_pad');
      return a && typeof a.s === 'string' ? a.s : 'NOTSET';
    })(),
  };
}

function convOutput(node: Node, x: Dim[] | undefined, w: Dim[] | undefined, elemType: number): ValueType {
  if (!x || x.length < 3) return { elemType, shape: undefined };
  const spatial = x.length - 2;
  const kernel = attrInts(node, 'kernel_shape') ?? w?.slice(2);
  const { strides, dilations, pads, autoPad } = spatialAttrs(node, spatial);
  const out: Dim[] = [x[0], w?.[0]];
  for (let i = 0; i < spatial; i++) out.push(windowOutput(x[2 + i], kernel?.[i], strides[i], dilations[i], pads[i], pads[i + spatial], autoPad, false));
  return { elemType, shape: out };
}

function poolOutput(node: Node, x: Dim[] | undefined, elemType: number): ValueType {
  if (!x || x.length < 3) return { elemType, shape: undefined };
  const spatial = x.length - 2;
  const kernel = attrInts(node, 'kernel_shape');
  const { strides, dilations, pads, autoPad } = spatialAttrs(node, spatial);
  const ceil = attrInt(node, 'ceil_mode', 0) === 1;
  const out: Dim[] = [x[0], x[1]];
  for (let i = 0; i < spatial; i++) out.push(windowOutput(x[2 + i], kernel?.[i], strides[i], dilations[i], pads[i], pads[i + spatial], autoPad, ceil));
  return { elemType, shape: out };
}

function windowOutput(input: Dim, kernel: Dim, stride: number, dilation: number, padBegin: number, padEnd: number, autoPad: string, ceil: boolean): Dim {
  if (typeof input !== 'number') return undefined;
  if (autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') return Math.ceil(input / stride);
  if (typeof kernel !== 'number') return undefined;
  const effective = (kernel - 1) * dilation + 1;
  const pads = autoPad === 'VALID' ? 0 : padBegin + padEnd;
  const span = input + pads - effective;
  if (span < 0) return undefined;
  return (ceil ? Math.ceil(span / stride) : Math.floor(span / stride)) + 1;
}

function convTransposeOutput(node: Node, x: Dim[] | undefined, w: Dim[] | undefined, elemType: number): ValueType {
  if (!x || x.length < 3) return { elemType, shape: undefined };
  const spatial = x.length - 2;
  const group = attrInt(node, 'group', 1);
  const channels = typeof w?.[1] === 'number' ? w[1] * group : undefined;
  const explicit = attrInts(node, 'output_shape');
  if (explicit) return { elemType, shape: [x[0], channels, ...explicit.slice(-spatial)] };
  const kernel = attrInts(node, 'kernel_shape') ?? w?.slice(2);
  const { strides, dilations, pads, autoPad } = spatialAttrs(node, spatial);
  const outputPadding = attrInts(node, 'output_padding') ?? new Array(spatial).fill(0);
  const out: Dim[] = [x[0], channels];
  for (let i = 0; i < spatial; i++) {
    const d = x[2 + i], k = kernel?.[i];
    if (typeof d !== 'number' || typeof k !== 'number') { out.push(undefined); continue; }
    if (autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') { out.push(d * strides[i]); continue; }
    out.push(strides[i] * (d - 1) + outputPadding[i] + (k - 1) * dilations[i] + 1 - pads[i] - pads[i + spatial]);
  }
  return { elemType, shape: out };
}

/** The ai.onnx opset a graph runs under (the default domain's import; 'ai.onnx' is its alias). */
export function defaultOpset(model: OnnxModel): number {
  const entry = model.proto.opsetImport.find((o) => o.domain === '' || o.domain === 'ai.onnx');
  return entry?.version ?? 0;
}

export function int64ToNumber(value: Int64): number {
  return typeof value === 'bigint' ? Number(value) : value;
}
