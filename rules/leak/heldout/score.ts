/**
 * Scores the LEAK rules on this held-out set: small scripts in the style of notebooks
 * and tutorials, written apart from the rules' fixtures, with each leak labelled by a
 * trailing `# leak: RULE` comment on the line where the finding should start. Prints
 * per-rule true positives, false positives and misses. Not run by the test suite (a
 * miss here is a known gap, not a failure). Run: npx tsx rules/leak/heldout/score.ts
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { LEAK_RULES } from '..';
import { Linter } from '../../../server/src/engine/lint';

async function main(): Promise<void> {
  const linter = new Linter({ rules: LEAK_RULES });
  const tally = new Map<string, { tp: number; fp: number; fn: number }>();
  const row = (r: string) => tally.get(r) ?? (tally.set(r, { tp: 0, fp: 0, fn: 0 }), tally.get(r)!);
  for (const name of fs.readdirSync(__dirname).filter((f) => f.endsWith('.py')).sort()) {
    const file = path.join(__dirname, name);
    const source = fs.readFileSync(file, 'utf8');
    const expected = new Set<string>();
    source.split('\n').forEach((l, i) => {
      const m = /#\s*leak:\s*(LEAK\d{3})/.exec(l);
      if (m) expected.add(`${m[1]}@${i + 1}`);
    });
    const found = new Set((await linter.lintPythonAsync(file, source)).findings.filter((f) => f.rule.startsWith('LEAK')).map((f) => `${f.rule}@${f.range.start.line + 1}`));
    for (const k of found) {
      const rule = k.split('@')[0];
      if (expected.has(k)) row(rule).tp++;
      else {
        row(rule).fp++;
        console.log(`FP   ${name}: ${k}`);
      }
    }
    for (const k of expected)
      if (!found.has(k)) {
        row(k.split('@')[0]).fn++;
        console.log(`MISS ${name}: ${k}`);
      }
  }
  let tp = 0, fp = 0, fn = 0;
  for (const [rule, t] of [...tally].sort()) {
    console.log(`${rule}: tp=${t.tp} fp=${t.fp} fn=${t.fn}`);
    tp += t.tp; fp += t.fp; fn += t.fn;
  }
  console.log(`all: tp=${tp} fp=${fp} fn=${fn} precision=${(tp / Math.max(1, tp + fp)).toFixed(2)} recall=${(tp / Math.max(1, tp + fn)).toFixed(2)}`);
}

void main();
