/**
 * The module of an edited document, built by taking over the chunks of the previous
 * version that the edit did not touch (PythonModule.parse with the previous module), must
 * equal the module built from scratch: the same chunks, the same index, the same
 * findings. Real edits go through the language server's OpenDocument (LSP ranges applied
 * to the text), on real files: rule fixtures, the bundled example project, a generated
 * 1,500-line ML module, and text with CRLF line ends and characters outside the Basic
 * Multilingual Plane (offsets count UTF-16 code units). The edits include the ones that
 * move chunk boundaries (new top-level lines, decorators, `else:`, backslash
 * continuations, strings and brackets left open), and syntax errors come and go.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { generateMlModule, generateMlScript } from '../../bench/lib/ml-source';
import { createLinter } from '../../server/src/compose';
import type { PythonModule } from '../../server/src/engine/python/module';
import { OpenDocument } from '../../server/src/lsp/documents';
import { seededRandom } from '../helpers/prng';

const ROOT = path.join(__dirname, '..', '..');

/** Everything the rules read from the index, in a form that does not depend on node identity. */
function indexSignature(m: PythonModule): string {
  const binding = (b: { name: string; kind: string; start: number; imported?: string; node: { startIndex: number; text: string }; value?: { startIndex: number } }) =>
    `${b.name}/${b.kind}@${b.start}:${b.node.startIndex}:${b.node.text}${b.imported ? '=' + b.imported : ''}${b.value ? '<-' + b.value.startIndex : ''}`;
  const scopes = m.scopes.map((s) => {
    const bindings = [...s.bindings].map(([name, list]) => `${name}[${list.map(binding).join(',')}]`).sort();
    return `${s.kind}:${s.start}-${s.end}^${s.parent ? m.scopes.indexOf(s.parent) : -1}:${s.node?.startIndex}/${s.node?.type}/${s.node?.startPosition.row}.${s.node?.startPosition.column} ${[...s.globals].sort()} ${bindings.join(' ')} kids=${s.children.map((c) => m.scopes.indexOf(c))}`;
  });
  const calls = m.calls.map((c) => `${c.node.startIndex}-${c.node.endIndex}:${c.func.text}:${c.callee}:${m.scopes.indexOf(c.scope)}:${c.node.startPosition.row}.${c.node.startPosition.column}`);
  const nodes = (['assignment', 'decorated_definition', 'pair', 'for_statement', 'function_definition'] as const).map(
    (t) => `${t}: ${m.nodesOfType(t).map((n) => `${n.startIndex}-${n.endIndex}`)}`,
  );
  const imports = m.imports.map(binding);
  const roots = ['os', 'json', 'pickle', 'torch', 'numpy', 'joblib', 'sklearn', 'yaml', 'random', 'pandas'].filter((r) => m.importsModule(r));
  return [...scopes, ...calls, ...nodes, ...imports, `roots ${roots}`, `star ${m.starImports}`].join('\n');
}

interface Change {
  range: { start: { line: number; character: number }; end: { line: number; character: number } };
  text: string;
}

/** A random edit of the kinds people make while typing, planned on the current text. */
function planEdit(text: string, rand: () => number, n: number, eol: string): Change {
  const lines = text.split(/\r?\n/);
  const pick = () => Math.floor(rand() * lines.length);
  const at = (line: number, character: number) => ({ line, character });
  const r = rand();
  if (r < 0.3) {
    // Type a character inside or at the end of a word.
    const line = pick();
    const words = [...lines[line].matchAll(/[A-Za-z_]\w*/g)];
    const w = words[Math.floor(rand() * words.length)];
    const col = w ? (w.index ?? 0) + w[0].length : lines[line].length;
    return { range: { start: at(line, col), end: at(line, col) }, text: 'q' };
  }
  if (r < 0.45) {
    // A new line with a call, indented like the line it follows.
    const line = pick();
    const indent = /^\s*/.exec(lines[line])?.[0] ?? '';
    const body = /:\s*$/.test(lines[line]) ? indent + '    ' : indent;
    return { range: { start: at(line + 1, 0), end: at(line + 1, 0) }, text: `${body}blob_${n} = pickle.load(open("b${n}", "rb"))${eol}` };
  }
  if (r < 0.6) {
    // Delete a whole line (this may break the syntax; a later edit may mend it or not).
    const line = pick();
    return { range: { start: at(line, 0), end: at(line + 1, 0) }, text: '' };
  }
  if (r < 0.7) {
    // Change an import: name resolution changes for the whole file.
    const imports = lines.map((l, i) => [l, i] as const).filter(([l]) => /^(import|from) /.test(l));
    const [l, i] = imports.length ? imports[Math.floor(rand() * imports.length)] : [lines[0], 0];
    const replacement = / as \w+$/.test(l) ? l.replace(/ as \w+$/, '') : l.startsWith('import ') && !l.includes(',') ? `${l} as alias_${n}` : `${l}  # touched`;
    return { range: { start: at(i, 0), end: at(i, l.length) }, text: replacement };
  }
  if (r < 0.78) {
    // A new top-level statement at the very start or end of the file.
    if (rand() < 0.5) return { range: { start: at(0, 0), end: at(0, 0) }, text: `import pickle as pk_${n}${eol}` };
    const last = lines.length - 1;
    return { range: { start: at(last, lines[last].length), end: at(last, lines[last].length) }, text: `${eol}seed_${n} = np.random.rand(3)${eol}` };
  }
  if (r < 0.8) {
    // Lines at column 0: a statement that ends the block it lands in, a decorator, an
    // `else:`, a line continued with a backslash, or half of a triple-quoted string.
    const line = pick();
    const texts = [`late_${n} = pickle.loads(b"")`, `@decorated_${n}`, 'else:', `total_${n} = 1 + \\`, '"""'];
    return { range: { start: at(line, 0), end: at(line, 0) }, text: texts[Math.floor(rand() * texts.length)] + eol };
  }
  if (r < 0.86) {
    // Open a bracket (a syntax error until the next edit closes it).
    const line = pick();
    return { range: { start: at(line, lines[line].length), end: at(line, lines[line].length) }, text: ' + (' };
  }
  if (r < 0.93) {
    // Replace a block of lines with other text (a pasted function).
    const line = pick();
    const end = Math.min(lines.length - 1, line + 1 + Math.floor(rand() * 6));
    return {
      range: { start: at(line, 0), end: at(end, 0) },
      text: `def pasted_${n}(path):${eol}    import torch${eol}    return torch.load(path)${eol}`,
    };
  }
  // Close every bracket left open so far at the end of a line (mends errors from above).
  const line = lines.findIndex((l) => l.endsWith(' + ('));
  if (line >= 0) return { range: { start: at(line, lines[line].length - 4), end: at(line, lines[line].length) }, text: '' };
  return { range: { start: at(0, 0), end: at(0, 0) }, text: `# note ${n} 🤖 日本${eol}` };
}

function corpus(): Array<{ name: string; text: string }> {
  const read = (rel: string) => ({ name: rel, text: fs.readFileSync(path.join(ROOT, rel), 'utf8') });
  const generated = generateMlModule(1500, 5);
  return [
    { name: 'generated 1,500 lines', text: generated },
    { name: 'generated, CRLF and astral characters', text: generateMlModule(400, 9).replace(/\n/g, '\r\n').replace(/# /g, '# 🤖 ') },
    // One chunk of 800 lines: edits inside it reparse it incrementally from its old tree.
    { name: 'generated script, one function', text: generateMlScript(800, 6) },
    read('examples/ml-project/src/train.py'),
    read('rules/ser/SER001-pickle-deserialization/fixtures/invalid.py'),
    read('rules/rng/RNG002-unseeded-numpy-global-rng/fixtures/invalid.py'),
    read('rules/leak/LEAK001-preprocessing-before-split/fixtures/invalid.py'),
  ];
}

describe('incremental module index', () => {
  for (const { name, text } of corpus()) {
    it(`equals a fresh index, findings included, over random edits: ${name}`, async () => {
      const linter = createLinter({ workspaceRoot: ROOT });
      const file = path.join(ROOT, 'examples', 'ml-project', 'src', 'edited.py');
      const doc = new OpenDocument(TextDocument.create(`file://${file}`, 'python', 1, text), file);
      const eol = text.includes('\r\n') ? '\r\n' : '\n';
      const first = await linter.lintPythonAsync(file, text);
      doc.module = first.module;
      const rand = seededRandom(name.length * 7919);
      let takenOver = 0;
      let withErrors = 0;
      try {
        for (let n = 0; n < 60; n++) {
          const change = planEdit(doc.text, rand, n, eol);
          doc.applyChanges([change], doc.version + 1);
          const previous = doc.module;
          const incremental = await linter.lintPythonAsync(file, doc.text, previous);
          previous?.dispose();
          doc.module = incremental.module;
          const fresh = await linter.lintPythonAsync(file, doc.text);
          try {
            const where = `${name}, edit ${n} (${JSON.stringify(change)})`;
            assert.ok(incremental.module && fresh.module, where);
            assert.deepEqual(incremental.module.chunkSpans, fresh.module.chunkSpans, where);
            assert.equal(indexSignature(incremental.module), indexSignature(fresh.module), where);
            assert.deepEqual(incremental.findings, fresh.findings, where);
            takenOver += incremental.module.indexStats.chunks - incremental.module.indexStats.parsed;
            if (incremental.module.hasError) withErrors++;
          } finally {
            fresh.module?.dispose();
          }
        }
      } finally {
        doc.dispose();
      }
      // The path that takes chunks over ran, wherever the file has more than one chunk.
      assert.ok(takenOver > 0 || first.module!.indexStats.chunks === 1, `${takenOver} chunks taken over`);
      assert.ok(withErrors > 0, `${withErrors} versions had syntax errors`);
    });
  }

  it('never takes a module over twice, and takes over a module of any other text correctly', async () => {
    const linter = createLinter({ workspaceRoot: ROOT });
    const file = path.join(ROOT, 'examples', 'ml-project', 'src', 'edited.py');
    const text = generateMlModule(300, 2);
    const doc = new OpenDocument(TextDocument.create(`file://${file}`, 'python', 1, text), file);
    const first = await linter.lintPythonAsync(file, text);
    assert.ok(first.module!.indexStats.chunks > 3);
    doc.applyChanges([{ range: { start: { line: 250, character: 0 }, end: { line: 250, character: 0 } }, text: 'x = 1\n' }], 2);
    const a = await linter.lintPythonAsync(file, doc.text, first.module);
    assert.ok(a.module!.indexStats.parsed < a.module!.indexStats.chunks);
    // A lint whose result was dropped (the document changed meanwhile) consumed the module:
    // handing it in again must parse from scratch instead of taking its chunks twice.
    const b = await linter.lintPythonAsync(file, doc.text, first.module);
    assert.equal(b.module!.indexStats.parsed, b.module!.indexStats.chunks);
    assert.equal(indexSignature(b.module!), indexSignature(a.module!));
    // The changed text is found by comparing texts: a module of an unrelated text works too.
    const unrelated = await linter.lintPythonAsync(file, generateMlModule(200, 3));
    const c = await linter.lintPythonAsync(file, doc.text, unrelated.module);
    assert.equal(indexSignature(c.module!), indexSignature(a.module!));
    assert.deepEqual(c.findings, a.findings);
    for (const r of [a, b, c]) r.module?.dispose();
    doc.dispose();
  });
});
