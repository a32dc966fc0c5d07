/**
 * The operator-set table (from ONNX 1.22's changelog) agrees with the schemas Python's onnx
 * reports: every schema version that Debian's onnx knows is in the table, with the same
 * since-version and deprecation. Newer versions are only in the table.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { OPERATOR_SINCE_VERSIONS } from '../../server/src/onnx/operator-sets';
import { resolveOperator } from '../../server/src/onnx/operators';
import { makeTempDir, runPython } from './helpers';

describe('ONNX operator sets', () => {
  it('contain every schema version Python onnx knows', () => {
    const dir = makeTempDir('schemas');
    runPython('schemas.py', [path.join(dir, 'schemas.json')]);
    const dump = JSON.parse(fs.readFileSync(path.join(dir, 'schemas.json'), 'utf8')) as { opset: number; table: Record<string, Record<string, number[]>> };
    fs.rmSync(dir, { recursive: true, force: true });
    const missing: string[] = [];
    for (const [domain, ops] of Object.entries(dump.table)) {
      for (const [op, versions] of Object.entries(ops)) {
        const ours = OPERATOR_SINCE_VERSIONS[domain]?.[op] ?? [];
        for (const v of versions) if (!ours.includes(v)) missing.push(`${domain || 'ai.onnx'}.${op}-${v}`);
      }
    }
    assert.deepEqual(missing, []);
    assert.ok(dump.opset >= 17);
  });

  it('resolves schemas by opset', () => {
    assert.deepEqual(resolveOperator('', 'Relu', 17), { status: 'ok', sinceVersion: 14 });
    assert.deepEqual(resolveOperator('ai.onnx', 'LayerNormalization', 16), { status: 'not-yet-defined', firstVersion: 17 });
    assert.deepEqual(resolveOperator('', 'Upsample', 13), { status: 'deprecated', deprecatedSince: 10 });
    assert.deepEqual(resolveOperator('', 'Upsample', 9), { status: 'ok', sinceVersion: 9 });
    assert.deepEqual(resolveOperator('', 'NoSuchOp', 17), { status: 'unknown' });
    assert.deepEqual(resolveOperator('com.microsoft', 'Attention', 1), { status: 'custom-domain' });
    assert.deepEqual(resolveOperator('', 'constructor', 17), { status: 'unknown' });
  });
});
