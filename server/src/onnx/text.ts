/**
 * Renders a model in ONNX's textual syntax (the format of onnx.printer / onnx.parser), for
 * "Show Model as Text" and for diffing two models. Follows onnx/defs/printer.cc of ONNX
 * 1.22, with one deliberate difference: tensor values are never printed (a weight shows as
 * `float[64,3,7,7] name = ...`), so the text stays proportional to the graph.
 * What the syntax cannot express (sparse initializers, training info, node metadata) is
 * written as `#` comments, which the ONNX parser skips.
 */
import { dataTypeTextName } from './data-types';
import {
  AttributeType,
  type Attribute,
  type BytesValue,
  type FunctionDef,
  type Graph,
  type Int64,
  type Node,
  type OnnxModel,
  type OperatorSetId,
  type StringStringEntry,
  type Tensor,
  type TypeProto,
  type ValueInfo,
} from './model';

const INDENT = '   ';

const ATTRIBUTE_TYPE_TEXT: Readonly<Record<number, string>> = {
  [AttributeType.FLOAT]: 'float', [AttributeType.INT]: 'int', [AttributeType.STRING]: 'string',
  [AttributeType.TENSOR]: 'tensor', [AttributeType.GRAPH]: 'graph', [AttributeType.SPARSE_TENSOR]: 'sparse_tensor',
  [AttributeType.TYPE_PROTO]: 'type_proto', [AttributeType.FLOATS]: 'floats', [AttributeType.INTS]: 'ints',
  [AttributeType.STRINGS]: 'strings', [AttributeType.TENSORS]: 'tensors', [AttributeType.GRAPHS]: 'graphs',
  [AttributeType.SPARSE_TENSORS]: 'sparse_tensors', [AttributeType.TYPE_PROTOS]: 'type_protos',
};

export function attributeTypeName(type: number): string {
  return ATTRIBUTE_TYPE_TEXT[type] ?? 'undefined';
}

/** A double-quoted string with `"` and `\` escaped, as printQuoted does. */
export function quote(text: string): string {
  return `"${text.replace(/[\\"]/g, (c) => `\\${c}`).replace(/\n/g, '\\n')}"`;
}

/** Identifiers print bare, anything else quoted (`"input.1"`, `"onnx::Conv_3"`). */
export function identifier(name: string): string {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(name) ? name : quote(name);
}

function dims(values: readonly (number | string | undefined)[]): string {
  return `[${values.map((d) => (d === undefined ? '?' : typeof d === 'number' ? String(d) : identifier(d))).join(',')}]`;
}

/** `float[N,3,224,224]`, `seq(float[3])`, `map(int64, float)`, `optional(...)`; '' when absent. */
export function typeToText(type: TypeProto | undefined): string {
  if (!type) return '';
  const v = type.value;
  switch (v.kind) {
    case 'tensor':
      return dataTypeTextName(v.elemType) + (v.shape === undefined ? '[]' : v.shape.length ? dims(v.shape.map((d) => d.value ?? (d.param || undefined))) : '');
    case 'sparse_tensor':
      return `sparse_tensor(${dataTypeTextName(v.elemType)}${v.shape === undefined ? '[]' : v.shape.length ? dims(v.shape.map((d) => d.value ?? (d.param || undefined))) : ''})`;
    case 'sequence': return `seq(${typeToText(v.elemType)})`;
    case 'map': return `map(${dataTypeTextName(v.keyType)}, ${typeToText(v.valueType)})`;
    case 'optional': return `optional(${typeToText(v.elemType)})`;
    case 'opaque': return `opaque(${v.domain ? quote(v.domain) + ', ' : ''}${quote(v.name)})`;
    default: return '';
  }
}

function bytesText(value: BytesValue): string {
  return typeof value === 'string' ? quote(value) : `<${value.ref.length} bytes>`;
}

function int64Text(value: Int64): string {
  return String(value);
}

/** Float as C++ `ostream <<` prints it (6 significant digits, no trailing zeros). */
function floatText(value: number): string {
  if (Number.isNaN(value)) return 'nan';
  if (!Number.isFinite(value)) return value > 0 ? 'inf' : '-inf';
  return String(Number(value.toPrecision(6)));
}

/** A tensor's type and name, never its values: `float[64,3,7,7] name = ...`. */
export function tensorToText(tensor: Tensor, isInitializer: boolean): string {
  let text = dataTypeTextName(tensor.dataType) + (tensor.dims.length ? dims(tensor.dims) : '');
  if (tensor.name) text += ` ${identifier(tensor.name)}`;
  if (isInitializer) text += ' =';
  if (tensor.payload.kind === 'external') return `${text} ${stringEntries(tensor.externalData)}`;
  return `${text} ...`;
}

function stringEntries(entries: readonly StringStringEntry[]): string {
  return `[${entries.map((e) => `${quote(e.key)}: ${quote(e.value)}`).join(', ')}]`;
}

function opsets(list: readonly OperatorSetId[]): string {
  return `[${list.map((o) => `${quote(o.domain)} : ${o.version}`).join(', ')}]`;
}

function valueInfo(info: ValueInfo): string {
  const type = typeToText(info.type);
  return type ? `${type} ${identifier(info.name)}` : identifier(info.name);
}

/** An attribute's value alone (no name), as the summary shows it; graphs as `graph(name)`. */
export function attributeValueText(attr: Attribute): string {
  if (attr.refAttrName) return `@${attr.refAttrName}`;
  switch (attr.type) {
    case AttributeType.INT: return int64Text(attr.i);
    case AttributeType.INTS: return `[${attr.ints.map(int64Text).join(', ')}]`;
    case AttributeType.FLOAT: return floatText(attr.f);
    case AttributeType.FLOATS: return `[${attr.floats.map(floatText).join(', ')}]`;
    case AttributeType.STRING: return bytesText(attr.s);
    case AttributeType.STRINGS: return `[${attr.strings.map(bytesText).join(', ')}]`;
    case AttributeType.TENSOR: return attr.t ? tensorToText(attr.t, false) : '';
    case AttributeType.TENSORS: return `[${attr.tensors.map((t) => tensorToText(t, false)).join(', ')}]`;
    case AttributeType.GRAPH: return `graph(${attr.g ? identifier(attr.g.name) : ''})`;
    case AttributeType.GRAPHS: return `[${attr.graphs.map((g) => `graph(${identifier(g.name)})`).join(', ')}]`;
    case AttributeType.TYPE_PROTO: return typeToText(attr.tp);
    case AttributeType.TYPE_PROTOS: return `[${attr.typeProtos.map(typeToText).join(', ')}]`;
    case AttributeType.SPARSE_TENSOR: return sparseText(attr.sparseTensor);
    case AttributeType.SPARSE_TENSORS: return `[${attr.sparseTensors.map(sparseText).join(', ')}]`;
    default: return '';
  }
}

function sparseText(sparse: Attribute['sparseTensor']): string {
  if (!sparse) return '';
  const type = sparse.values ? dataTypeTextName(sparse.values.dataType) : 'undefined';
  return `sparse_tensor(${type}${dims(sparse.dims)}) ...`;
}

class Printer {
  private readonly lines: string[] = [];

  print(model: OnnxModel): string {
    const m = model.proto;
    const header: string[] = [`ir_version: ${m.irVersion}`, `opset_import: ${opsets(m.opsetImport)}`];
    if (m.producerName) header.push(`producer_name: ${quote(m.producerName)}`);
    if (m.producerVersion) header.push(`producer_version: ${quote(m.producerVersion)}`);
    if (m.domain) header.push(`domain: ${quote(m.domain)}`);
    if (m.modelVersion) header.push(`model_version: ${int64Text(m.modelVersion)}`);
    if (m.docString) header.push(`doc_string: ${quote(m.docString)}`);
    if (m.metadataProps.length) header.push(`metadata_props: ${stringEntries(m.metadataProps)}`);
    this.lines.push('<', ...header.map((h, i) => `  ${h}${i < header.length - 1 ? ',' : ''}`), '>');
    if (m.graph) this.graph(m.graph, '');
    m.trainingInfo.forEach((info, i) => {
      for (const [label, graph] of [['initialization', info.initialization], ['algorithm', info.algorithm]] as const) {
        if (!graph) continue;
        this.lines.push('', `# training_info[${i}].${label}`);
        this.graph(graph, '');
      }
    });
    for (const fn of m.functions) {
      this.lines.push('');
      this.function(fn);
    }
    return this.lines.join('\n') + '\n';
  }

  /** Appends a graph; its first line continues the current last line when `inline`. */
  private graph(graph: Graph, indent: string, inline = false): void {
    const signature = `${identifier(graph.name)} (${graph.input.map(valueInfo).join(', ')}) => (${graph.output.map(valueInfo).join(', ')})`;
    if (inline) this.lines[this.lines.length - 1] += signature;
    else this.lines.push(indent + signature);
    if (graph.initializer.length || graph.valueInfo.length) {
      const entries = [...graph.initializer.map((t) => tensorToText(t, true)), ...graph.valueInfo.map(valueInfo)];
      this.lines.push(`${indent}${INDENT}<${entries.join(', ')}>`);
    }
    for (const sparse of graph.sparseInitializer) {
      this.lines.push(`${indent}${INDENT}# sparse_initializer ${sparse.values ? identifier(sparse.values.name) : ''}: ${sparseText(sparse)}`);
    }
    this.nodes(graph.node, indent);
  }

  private nodes(nodes: readonly Node[], indent: string): void {
    this.lines.push(`${indent}{`);
    for (const node of nodes) this.node(node, indent + INDENT);
    this.lines.push(`${indent}}`);
  }

  private node(node: Node, indent: string): void {
    for (const entry of node.metadataProps) {
      // One line per entry; stack traces are multi-line, keep their first line.
      this.lines.push(`${indent}# ${entry.key}: ${entry.value.split('\n', 1)[0]}`);
    }
    const name = node.name ? `[${identifier(node.name)}] ` : '';
    const op = (node.domain ? `${node.domain}.` : '') + node.opType + (node.overload ? `:${node.overload}` : '');
    const inputs = `(${node.input.map(identifier).join(', ')})`;
    const head = `${indent}${name}${node.output.map(identifier).join(', ')} = ${op}`;
    const graphAttrs = node.attribute.filter((a) => a.g || a.graphs.length);
    if (!graphAttrs.length) {
      const attrs = node.attribute.length ? ` <${node.attribute.map((a) => this.attribute(a)).join(', ')}>` : '';
      this.lines.push(`${head}${attrs} ${inputs}`);
      return;
    }
    // As printer.cc does: with subgraphs, attributes follow the inputs.
    this.lines.push(`${head} ${inputs} <`);
    node.attribute.forEach((a, i) => {
      const last = i === node.attribute.length - 1 ? '' : ',';
      const prefix = `${indent}${INDENT}${a.name}: ${attributeTypeName(a.type)} = `;
      if (a.refAttrName) {
        this.lines.push(`${prefix}@${a.refAttrName}${last}`);
      } else if (a.type === AttributeType.GRAPH && a.g) {
        this.lines.push(prefix);
        this.graph(a.g, indent + INDENT, true);
        this.lines[this.lines.length - 1] += last;
      } else if (a.type === AttributeType.GRAPHS) {
        this.lines.push(`${prefix}[`);
        a.graphs.forEach((g, j) => {
          this.graph(g, indent + INDENT + INDENT);
          if (j < a.graphs.length - 1) this.lines[this.lines.length - 1] += ',';
        });
        this.lines.push(`${indent}${INDENT}]${last}`);
      } else {
        this.lines.push(`${prefix}${attributeValueText(a)}${last}`);
      }
    });
    this.lines.push(`${indent}>`);
  }

  private attribute(a: Attribute): string {
    return `${a.name}: ${attributeTypeName(a.type)} = ${attributeValueText(a)}`;
  }

  private function(fn: FunctionDef): void {
    const header = [`  domain: ${quote(fn.domain)},`];
    if (fn.overload) header.push(`  overload: ${quote(fn.overload)},`);
    header.push(`  opset_import: ${opsets(fn.opsetImport)}`);
    this.lines.push('<', ...header, '>');
    const attrs = [...fn.attribute.map(identifier), ...fn.attributeProto.map((a) => `${a.name}: ${attributeTypeName(a.type)} = ${attributeValueText(a)}`)];
    const attrText = attrs.length ? `<${attrs.join(', ')}>` : '';
    this.lines.push(`${identifier(fn.name)} ${attrText}(${fn.input.map(identifier).join(', ')}) => (${fn.output.map(identifier).join(', ')})`);
    if (fn.valueInfo.length) this.lines.push(`${INDENT}<${fn.valueInfo.map(valueInfo).join(', ')}>`);
    this.nodes(fn.node, '');
  }
}

/** The model in ONNX's textual syntax; weights appear as type and shape only. */
export function modelToText(model: OnnxModel): string {
  return new Printer().print(model);
}
