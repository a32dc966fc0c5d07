/**
 * The text view (ONNX textual syntax) and its TextMate grammar: every node of a real
 * architecture is one line that the grammar's node rule recognizes with the right operator
 * scope; names that are not identifiers are quoted; weights show as type and shape only.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { decodeModelFile } from '../../server/src/onnx/decode';
import { modelToText } from '../../server/src/onnx/text';
import { SHARED_MODELS } from './helpers';

interface GrammarRule { match?: string; begin?: string; end?: string; patterns?: GrammarRule[]; include?: string }
const grammar = JSON.parse(fs.readFileSync(path.resolve(__dirname, '../../syntaxes/onnx.tmLanguage.json'), 'utf8')) as {
  scopeName: string; patterns: GrammarRule[]; repository: Record<string, GrammarRule>;
};

function allRegexes(rule: GrammarRule, out: string[] = []): string[] {
  for (const key of ['match', 'begin', 'end'] as const) if (rule[key]) out.push(rule[key]!);
  for (const p of rule.patterns ?? []) allRegexes(p, out);
  return out;
}

describe('text view and ONNX grammar', () => {
  it('grammar: scope source.onnx, every regex compiles, every include resolves', () => {
    assert.equal(grammar.scopeName, 'source.onnx');
    const regexes = Object.values(grammar.repository).flatMap((r) => allRegexes(r));
    assert.ok(regexes.length > 10);
    for (const source of regexes) assert.doesNotThrow(() => new RegExp(source), source);
    const includes = JSON.stringify(grammar).match(/"include":"#([a-z-]+)"/g) ?? [];
    for (const inc of includes) assert.ok(inc.slice(12, -1) in grammar.repository, inc);
  });

  it('prints ResNet-50 as header, signature and one line per node, without weight values', () => {
    const model = decodeModelFile(path.join(SHARED_MODELS, 'light/light_resnet50.onnx'));
    const text = modelToText(model);
    const lines = text.split('\n');
    assert.deepEqual(lines.slice(0, 5), ['<', '  ir_version: 3,', '  opset_import: ["" : 9],', '  producer_name: "onnx-caffe2"', '>']);
    assert.match(lines[5], /^resnet50 \(float\[1,3,224,224\] "gpu_0\/data_0", /);
    const nodeRule = new RegExp(grammar.repository.node.begin!);
    const nodeLines = lines.filter((l) => nodeRule.test(l));
    assert.equal(nodeLines.length, model.proto.graph!.node.length);
    const conv = nodeLines.find((l) => l.includes('= Conv'))!;
    assert.equal(nodeRule.exec(conv)![5], 'Conv');
    assert.equal(conv, '   [n0] r0 = Conv <pads: ints = [3, 3, 3, 3], kernel_shape: ints = [7, 7], strides: ints = [2, 2]> ("gpu_0/data_0", "gpu_0/conv1_w_0")');
    assert.match(text, /float\[64\] "gpu_0\/res_conv1_bn_s_0" = \.\.\./);
  });

  it('the attribute rule scopes name, type and value', () => {
    const attribute = new RegExp(grammar.repository.attribute.match!);
    const m = attribute.exec('   y = Gemm <alpha: float = 1, transB: int = 1> (x, W)')!;
    assert.deepEqual([m[1], m[3]], ['alpha', 'float']);
  });
});
