/** The CLI's progress bar: drawn on a terminal, silent otherwise. */
import { strict as assert } from 'node:assert';
import { Writable } from 'node:stream';
import { ProgressBar } from '../../server/src/cli/progress';

function sink(): { stream: Writable; text: () => string } {
  let out = '';
  const stream = new Writable({
    write(chunk, _enc, cb) {
      out += chunk;
      cb();
    },
  });
  return { stream, text: () => out };
}

describe('CLI progress bar', () => {
  it('draws the count on a terminal and clears the line when done', () => {
    const s = sink();
    const bar = new ProgressBar(s.stream, true, 4);
    bar.tick(1);
    bar.tick(3);
    bar.done();
    assert.match(s.text(), /\r\[=+ *\] 1\/4 files/);
    assert.match(s.text(), /\r\[={30}\] 4\/4 files/);
    assert.ok(s.text().endsWith('\r\x1b[K'));
  });

  it('writes nothing when disabled (not a terminal, or JSON/SARIF output)', () => {
    const s = sink();
    const bar = new ProgressBar(s.stream, false, 4);
    bar.tick(4);
    bar.done();
    assert.equal(s.text(), '');
  });
});
