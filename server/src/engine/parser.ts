/**
 * Loads web-tree-sitter and the grammars' `.wasm` files shipped by the npm grammar
 * packages. Bundled builds find the `.wasm` files next to the bundle (scripts/build.mjs
 * copies them); running from sources finds them in node_modules.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Language, Parser, Query } from 'web-tree-sitter';

export type GrammarName = 'python' | 'typescript' | 'tsx' | 'javascript';

const GRAMMAR_FILES: Record<GrammarName, { pkg: string; file: string }> = {
  python: { pkg: 'tree-sitter-python', file: 'tree-sitter-python.wasm' },
  typescript: { pkg: 'tree-sitter-typescript', file: 'tree-sitter-typescript.wasm' },
  tsx: { pkg: 'tree-sitter-typescript', file: 'tree-sitter-tsx.wasm' },
  javascript: { pkg: 'tree-sitter-javascript', file: 'tree-sitter-javascript.wasm' },
};

function locateWasm(pkg: string, file: string): string {
  const besideBundle = path.join(__dirname, file);
  if (fs.existsSync(besideBundle)) return besideBundle;
  return require.resolve(`${pkg}/${file}`);
}

let initialized: Promise<void> | undefined;
const languages = new Map<GrammarName, Promise<Language>>();

function initParser(): Promise<void> {
  initialized ??= Parser.init({
    locateFile: (name: string) => locateWasm('web-tree-sitter', name),
  });
  return initialized;
}

export async function loadLanguage(name: GrammarName): Promise<Language> {
  await initParser();
  let lang = languages.get(name);
  if (!lang) {
    const { pkg, file } = GRAMMAR_FILES[name];
    lang = Language.load(locateWasm(pkg, file));
    languages.set(name, lang);
  }
  return lang;
}

/** A parser bound to one grammar, plus that grammar's compiled queries (compiled once). */
export class GrammarParser {
  private readonly queries = new Map<string, Query>();
  private constructor(
    readonly name: GrammarName,
    readonly language: Language,
    readonly parser: Parser,
  ) {}

  static async create(name: GrammarName): Promise<GrammarParser> {
    const language = await loadLanguage(name);
    const parser = new Parser();
    parser.setLanguage(language);
    return new GrammarParser(name, language, parser);
  }

  query(source: string): Query {
    let q = this.queries.get(source);
    if (!q) {
      q = new Query(this.language, source);
      this.queries.set(source, q);
    }
    return q;
  }
}

const parsers = new Map<GrammarName, Promise<GrammarParser>>();

/** One shared parser per grammar and thread: tree-sitter parsers are not reentrant but parsing is synchronous. */
export function grammarParser(name: GrammarName): Promise<GrammarParser> {
  let p = parsers.get(name);
  if (!p) {
    p = GrammarParser.create(name);
    parsers.set(name, p);
  }
  return p;
}
