import { strict as assert } from 'node:assert';
import { SEVERITIES } from '../protocol/findings';

describe('smoke', () => {
  it('loads shared types', () => {
    assert.deepEqual([...SEVERITIES], ['error', 'warning', 'info', 'hint']);
  });
});
