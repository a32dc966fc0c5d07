/**
 * Where a Python module splits into chunks: runs of whole top-level statements that are
 * parsed as trees of their own, so that an edit reparses and re-indexes the chunk it
 * touches and nothing else (tree-sitter-python's incremental parse of a whole file
 * rebuilds about every other top-level statement after a one-character edit).
 *
 * The split is found lexically, the way Python's tokenizer finds logical lines: a line
 * that starts at column 0 outside any bracket, string or backslash continuation starts a
 * top-level statement, unless it continues a compound statement (`else:`, `except:`...)
 * or follows a decorator. Each chunk is then parsed with tree-sitter on its own range of
 * the source (node offsets stay those of the whole text). For a file without syntax
 * errors the trees hold exactly the statements a whole-file parse has; a syntax error
 * stays inside its chunk (an unclosed bracket or string has no line start after it, so
 * its chunk runs to the end of the file, as Python's own tokenizer would read it).
 *
 * The chunking is a function of the text alone (greedy from the start of the file), so
 * a module rebuilt after an edit has exactly the chunks a fresh parse would have: see
 * `ChunkScanner` and `PythonModule.parse`.
 */

/** A chunk ends at the first statement start at least this many code units after its own start. */
export const MIN_CHUNK_LENGTH = 1024;

/**
 * How far past a chunk boundary the scanner reads to decide that a line starts a
 * statement (the keyword test below): an edit closer than this to a boundary may move it.
 */
export const BOUNDARY_LOOKAHEAD = 8;

const CONTINUES_COMPOUND = /^(?:else|elif|except|finally)\b/;

/**
 * Scans Python source from a chunk boundary (or the start of the file) and yields the
 * following chunk boundaries, greedily: each chunk ends at the first top-level statement
 * start at least `MIN_CHUNK_LENGTH` after its own start. Lexical state at a boundary is
 * always the same (no open bracket, string or continuation, not after a decorator), so
 * scanning from any boundary gives the boundaries a scan from the file's start gives.
 */
export class ChunkScanner {
  private at: number;
  private chunkStart: number;
  private depth = 0;
  /** The last statement line seen at column 0 was a decorator: the next one belongs to it. */
  private afterDecorator = false;

  constructor(
    private readonly text: string,
    from: number,
    /** The shortest chunk; 0 yields every top-level statement start. */
    private readonly minLength = MIN_CHUNK_LENGTH,
  ) {
    this.at = from;
    this.chunkStart = from;
    // The boundary's own line is a statement start; a decorator there binds the next line.
    this.afterDecorator = text[from] === '@';
    this.skipLine();
  }

  /** The next chunk boundary, or undefined when the last chunk runs to the end of the text. */
  next(): number | undefined {
    for (;;) {
      const start = this.nextStatementStart();
      if (start === undefined) return undefined;
      if (start - this.chunkStart >= this.minLength) {
        this.chunkStart = start;
        return start;
      }
    }
  }

  /** The next line start that begins a top-level statement. */
  private nextStatementStart(): number | undefined {
    const text = this.text;
    for (;;) {
      const lineStart = this.at;
      if (lineStart >= text.length) return undefined;
      const c = text.charCodeAt(lineStart);
      // Blank, indented and comment lines never start a top-level statement (a line start
      // is only ever reached outside brackets and strings).
      const statementLine = c !== 0x20 && c !== 0x09 && c !== 0x0c && c !== 0x0a && c !== 0x0d && c !== 0x23;
      this.skipLine();
      if (!statementLine) continue;
      if (CONTINUES_COMPOUND.test(text.slice(lineStart, lineStart + BOUNDARY_LOOKAHEAD))) continue;
      const decorator = c === 0x40;
      const bound = this.afterDecorator;
      this.afterDecorator = decorator;
      if (!bound) return lineStart;
    }
  }

  /**
   * Moves past the rest of the current logical line (brackets, strings and backslash
   * continuations may carry it over several physical lines) to the next line start.
   */
  private skipLine(): void {
    const text = this.text;
    const n = text.length;
    let i = this.at;
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c === 0x0a) {
        i++;
        // Inside brackets, line starts are never statement starts: keep going.
        if (this.depth > 0) continue;
        this.at = i;
        return;
      }
      if (c === 0x23) {
        // A comment runs to the end of the line.
        const nl = text.indexOf('\n', i);
        i = nl < 0 ? n : nl;
        continue;
      }
      if (c === 0x5c) {
        // A backslash joins the next line to this one (`\` + `\n` or `\r\n`).
        i += text.charCodeAt(i + 1) === 0x0d && text.charCodeAt(i + 2) === 0x0a ? 3 : 2;
        continue;
      }
      if (c === 0x22 || c === 0x27) {
        i = this.skipString(i);
        continue;
      }
      if (c === 0x28 || c === 0x5b || c === 0x7b) this.depth++;
      else if ((c === 0x29 || c === 0x5d || c === 0x7d) && this.depth > 0) this.depth--;
      i++;
    }
    this.at = n;
  }

  /** The offset after the string literal opening at `i` (string prefixes need no care: a backslash escapes the next character in raw strings too). */
  private skipString(i: number): number {
    const text = this.text;
    const n = text.length;
    const quote = text.charCodeAt(i);
    const triple = text.charCodeAt(i + 1) === quote && text.charCodeAt(i + 2) === quote;
    i += triple ? 3 : 1;
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c === 0x5c) {
        i += 2;
        continue;
      }
      if (c === quote) {
        if (!triple) return i + 1;
        if (text.charCodeAt(i + 1) === quote && text.charCodeAt(i + 2) === quote) return i + 3;
      } else if (c === 0x0a && !triple) {
        // An unterminated single-quoted string ends at the line's end (a syntax error tree-sitter reports).
        return i;
      }
      i++;
    }
    return n;
  }
}

/** Every chunk boundary of a text after `from` (a boundary itself), in order; with `minLength` 0, every top-level statement start after the first. */
export function chunkBoundaries(text: string, from = 0, minLength = MIN_CHUNK_LENGTH): number[] {
  const scanner = new ChunkScanner(text, from, minLength);
  const out: number[] = [];
  for (let b = scanner.next(); b !== undefined; b = scanner.next()) out.push(b);
  return out;
}
