/**
 * Python modules are parsed in chunks of whole top-level statements, found lexically
 * (server/src/engine/python/chunks.ts). The chunks must hold exactly the statements a
 * whole-file tree-sitter parse has, on real code (the rule fixtures, the examples, this
 * machine's Python standard library), and the chunking must be a function of the text
 * after any boundary, which is what lets an edit re-chunk only around itself.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Node } from 'web-tree-sitter';
import { generateMlModule } from '../../bench/lib/ml-source';
import { grammarParser } from '../../server/src/engine/parser';
import { chunkBoundaries } from '../../server/src/engine/python/chunks';
import { PythonModule } from '../../server/src/engine/python/module';

const ROOT = path.join(__dirname, '..', '..');

/** The lines (1-based) where top-level statements start, after the first line. */
function statementLines(text: string): number[] {
  return chunkBoundaries(text, 0, 0).map((offset) => text.slice(0, offset).split('\n').length);
}

function pythonFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...pythonFiles(p));
    else if (e.name.endsWith('.py')) out.push(p);
  }
  return out.sort();
}

/** This machine's Python standard library (python3 is a test dependency), if there is one. */
function standardLibrary(): string | undefined {
  const candidates = fs.existsSync('/usr/lib') ? fs.readdirSync('/usr/lib').filter((d) => /^python3\.\d+$/.test(d)) : [];
  return candidates.length ? path.join('/usr/lib', candidates.sort().pop()!) : undefined;
}

describe('chunks of a Python module', () => {
  it('start at top-level statements only: not inside brackets, strings, continuations, decorators or compound statements', () => {
    const text = [
      'import os', // 1
      'x = [', // 2
      '1,', // 3: inside brackets
      ']', // 4
      's = """', // 5
      'def not_code():', // 6: inside a string
      '"""', // 7
      "t = 'it''s'  # comment with ( and \"", // 8
      'u = 1 + \\', // 9
      '2', // 10: a backslash continuation
      '@decorator', // 11
      '# a comment between', // 12
      '@other(', // 13: a decorator of the same definition
      ')', // 14
      'def f():', // 15: belongs to its decorators
      '    return 1', // 16
      'if x:', // 17
      '    pass', // 18
      'elif u:', // 19: continues the if
      '    pass', // 20
      'else:', // 21
      '    pass', // 22
      'try:', // 23
      '    pass', // 24
      'except* ValueError:', // 25
      '    pass', // 26
      'finally:', // 27
      '    pass', // 28
      'elsewhere = 1', // 29: a name that starts with a keyword
      "v = f'{x}' 'it\\'s'", // 30
      'w = r"\\"" + "\\', // 31: a string continued on the next line
      'z"', // 32
      'class C:', // 33
      '  \f  pass', // 34
      '', // 35
    ].join('\n');
    assert.deepEqual(statementLines(text), [2, 5, 8, 9, 11, 17, 23, 29, 30, 31, 33]);
    // CRLF line ends, and a backslash continuation before one.
    assert.deepEqual(statementLines('a = 1\r\nb = 2 + \\\r\n3\r\nc = 3\r\n'), [2, 4]);
    // An unclosed bracket or string leaves no statement start after it: its chunk runs to the end.
    assert.deepEqual(statementLines('a = 1\nb = (\nc = 2\nd = 3\n'), [2]);
    assert.deepEqual(statementLines('a = 1\nb = """\nc = 2\n'), [2]);
  });

  it('are a function of the text after a boundary, and at least MIN_CHUNK_LENGTH long but the last', () => {
    const stdlib = standardLibrary();
    const texts = [generateMlModule(3000, 4), ...(stdlib ? ['argparse.py', 'dataclasses.py', 'typing.py'].map((f) => fs.readFileSync(path.join(stdlib, f), 'utf8')) : [])];
    for (const text of texts) {
      const all = chunkBoundaries(text);
      assert.ok(all.length > 10, `${all.length} chunks`);
      all.forEach((b, i) => {
        assert.ok(b - (i ? all[i - 1] : 0) >= 1024);
        if (i % 7 === 0) assert.deepEqual(chunkBoundaries(text, b), all.slice(i + 1));
      });
    }
  });

  it('hold exactly the statements of a whole-file parse, on the fixtures, the examples and the standard library', async function () {
    this.timeout(600000);
    const grammar = await grammarParser('python');
    const stdlib = standardLibrary();
    const files = [...pythonFiles(path.join(ROOT, 'rules')), ...pythonFiles(path.join(ROOT, 'examples')), ...(stdlib ? pythonFiles(stdlib) : [])];
    assert.ok(files.length > (stdlib ? 500 : 50), `${files.length} files`);
    const spans = (nodes: readonly (Node | null)[]) => nodes.map((n) => `${n!.startIndex}-${n!.endIndex} ${n!.toString()}`).join('\n');
    let compared = 0;
    let multiChunk = 0;
    for (const file of files) {
      let text: string;
      try {
        text = fs.readFileSync(file, 'utf8');
      } catch {
        continue; // unreadable files are another test's business
      }
      const whole = grammar.parser.parse(text)!;
      const module = PythonModule.parse(grammar, text);
      try {
        if (whole.rootNode.hasError) {
          // Syntax errors stay in their chunk: they are still found.
          assert.ok(module.hasError, file);
          continue;
        }
        assert.ok(!module.hasError, `${file}: a chunk has a syntax error the whole file has not`);
        assert.equal(spans(module.topLevel), spans(whole.rootNode.namedChildren), file);
        compared++;
        if (module.indexStats.chunks > 1) multiChunk++;
      } finally {
        whole.delete();
        module.dispose();
      }
    }
    assert.ok(multiChunk > (stdlib ? 300 : 5), `${multiChunk} of ${compared} files in several chunks`);
  });
});
