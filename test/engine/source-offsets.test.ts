/**
 * `offsetsOf` (server/src/engine/python/source-offsets.ts) finds a string's occurrences in a
 * new version of a source from those in the version asked about last, searching again only
 * around the span that changed: after any chain of edits it must give what a search of the
 * whole text gives.
 */
import { strict as assert } from 'node:assert';
import { seededRandom } from '../../bench/lib/stats';
import { offsetsOf } from '../../server/src/engine/python/source-offsets';

/** Every occurrence, overlapping ones too, by a search of the whole text. */
function searched(text: string, word: string, anyCase: boolean): number[] {
  const haystack = anyCase ? text.toLowerCase() : text;
  const needle = anyCase ? word.toLowerCase() : word;
  const out: number[] = [];
  for (let i = haystack.indexOf(needle); i >= 0; i = haystack.indexOf(needle, i + 1)) out.push(i);
  return out;
}

describe('source offsets', () => {
  it('match a whole-text search after random edits, overlapping occurrences and any case included', () => {
    const rand = seededRandom(3);
    const alphabet = ['a', 'b', '*', 's', 'e', 'd', 'S', 'E', 'D', '\n', 'x'];
    const pick = (n: number) => Array.from({ length: n }, () => alphabet[Math.floor(rand() * alphabet.length)]).join('');
    // `**` and `aa` overlap themselves; a word is sometimes not asked about for several versions.
    const words: Array<[string, boolean]> = [['**', false], ['aa', false], ['see', false], ['seed', true], ['x', false]];
    let text = pick(300);
    for (let step = 0; step < 3000; step++) {
      const at = Math.floor(rand() * (text.length + 1));
      text = text.slice(0, at) + pick(Math.floor(rand() * 4)) + text.slice(at + Math.floor(rand() * 4));
      for (const [word, anyCase] of words) {
        if (rand() < 0.7) assert.deepEqual(offsetsOf(text, word, anyCase), searched(text, word, anyCase), `${word} after edit ${step}`);
      }
    }
  });

  it('answer a text unrelated to the last one, with many occurrences', () => {
    const stars = '*'.repeat(30_000);
    assert.deepEqual(offsetsOf('ab', '**'), []);
    assert.deepEqual(offsetsOf(`a${stars}b`, '**'), searched(`a${stars}b`, '**', false));
    assert.deepEqual(offsetsOf(`xa${stars}b`, '**'), searched(`xa${stars}b`, '**', false));
    assert.deepEqual(offsetsOf('x = 1', '**'), []);
  });

  it('answer a text unrelated to the last one', () => {
    assert.deepEqual(offsetsOf('seed = 1; SEED = 2', 'seed', true), [0, 10]);
    assert.deepEqual(offsetsOf('random.seed(0)', 'seed', true), [7]);
    assert.deepEqual(offsetsOf('f(**kw)', '**'), [2]);
    assert.deepEqual(offsetsOf('x = 1', '**'), []);
  });
});
