import type { Node } from 'web-tree-sitter';
import type { Fix, TextEdit } from '../../../protocol/findings';
import { nodeRange } from '../../../server/src/engine/lint';
import { defineRule } from '../../../server/src/engine/rule';
import type { PythonModule } from '../../../server/src/engine/python/module';
import { importPosition } from '../../../server/src/engine/python/extract-config';
import { offsetsOf } from '../../../server/src/engine/python/source-offsets';

/** Token formats that identify a secret by themselves, with the environment variable that usually holds it. */
const TOKEN_FORMATS: Array<{ re: RegExp; what: string; env: string }> = [
  { re: /^hf_[A-Za-z0-9]{30,}$/, what: 'a Hugging Face token', env: 'HF_TOKEN' },
  { re: /^sk-ant-[A-Za-z0-9_-]{20,}$/, what: 'an Anthropic API key', env: 'ANTHROPIC_API_KEY' },
  { re: /^sk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,}$/, what: 'an OpenAI API key', env: 'OPENAI_API_KEY' },
  { re: /^(?:AKIA|ASIA)[0-9A-Z]{16}$/, what: 'an AWS access key id', env: 'AWS_ACCESS_KEY_ID' },
  { re: /^(?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{36,}$|^github_pat_[A-Za-z0-9_]{40,}$/, what: 'a GitHub token', env: 'GITHUB_TOKEN' },
  { re: /^glpat-[A-Za-z0-9_-]{20,}$/, what: 'a GitLab token', env: 'GITLAB_TOKEN' },
  { re: /^xox[baprs]-[A-Za-z0-9-]{10,}$/, what: 'a Slack token', env: 'SLACK_TOKEN' },
  { re: /^AIza[0-9A-Za-z_-]{35}$/, what: 'a Google API key', env: 'GOOGLE_API_KEY' },
  { re: /^(?:sk|rk)_live_[A-Za-z0-9]{20,}$/, what: 'a Stripe key', env: 'STRIPE_API_KEY' },
  { re: /^r8_[A-Za-z0-9]{30,}$/, what: 'a Replicate token', env: 'REPLICATE_API_TOKEN' },
  { re: /^gsk_[A-Za-z0-9]{40,}$/, what: 'a Groq API key', env: 'GROQ_API_KEY' },
];

/** Any of the token formats, in one expression: tested on every long enough string literal of a file. */
const ANY_TOKEN_FORMAT = new RegExp(TOKEN_FORMATS.map((f) => f.re.source).join('|'));

const TOKEN_HINT = /(?:hf_|sk-|AKIA|ASIA|gh[pousr]_|github_pat_|glpat-|xox[baprs]-|AIza|_live_|r8_|gsk_)[A-Za-z0-9]/;
const NAME_HINT = /(?:key|token|secret|passw|pwd|credential)\w*["']?\s*\]?\s*[=:]/i;

/** Names (variables, attributes, keywords, dict keys, environment variables) that hold secrets. */
const SECRET_NAME =
  /(?:^|_)(?:api_?key|apikey|secret|secret_key|client_secret|token|access_token|auth_token|api_token|bearer_token|refresh_token|password|passwd|pwd|private_key|access_key|access_key_id|secret_access_key|session_token|credentials?)$/i;

/** Call keywords that take a secret, whatever the call. */
const SECRET_KEYWORDS = new Set([
  'token', 'use_auth_token', 'api_key', 'api_token', 'access_token', 'auth_token', 'password', 'secret', 'client_secret',
  'aws_access_key_id', 'aws_secret_access_key', 'aws_session_token', 'private_key',
]);

/** Calls whose `key` (or first) argument is a secret. */
const KEYED_CALLS: Record<string, { keyword: string; position: number; env: string }> = {
  'wandb.login': { keyword: 'key', position: 1, env: 'WANDB_API_KEY' },
  'huggingface_hub.login': { keyword: 'token', position: 0, env: 'HF_TOKEN' },
  'huggingface_hub.HfFolder.save_token': { keyword: 'token', position: 0, env: 'HF_TOKEN' },
  'comet_ml.init': { keyword: 'api_key', position: 0, env: 'COMET_API_KEY' },
  'neptune.init_run': { keyword: 'api_token', position: -1, env: 'NEPTUNE_API_TOKEN' },
};

const PASSWORD = /(?:^|_)(?:password|passwd|pwd)$/i;

const PLACEHOLDER = /x{4,}|X{4,}|\*{3,}|\.{3}|<[^>]*>|\{[^}]*\}|\$\{?|your|example|changeme|change_me|dummy|placeholder|redacted|secret_here|token_here|insert|replace|fake|sample|test[-_]?(?:key|token)|^(?:none|null|nil|todo|tbd|password|secret|token|key|admin|root|guest|user)$/i;

function entropy(s: string): number {
  const counts = new Map<string, number>();
  for (const ch of s) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  let h = 0;
  for (const c of counts.values()) {
    const p = c / s.length;
    h -= p * Math.log2(p);
  }
  return h;
}

// Constants, not literals in the functions below: a regular expression literal makes a new
// object each time it runs, and these run for every long string literal of a file.
const ANY_SPACE = /\s/;
const ENV_VAR_NAME = /^[A-Z][A-Z0-9_]*$/;
const URL_OR_PATH = /^(?:[a-z]+:\/\/|\/|\.{0,2}\/|~)/;
const KEY_FILE = /\.(?:txt|json|ya?ml|env|pem|key|csv|cfg|ini)$/i;
const PLAIN_WORDS = /^(?:[a-z]+_)*[a-z]+$/;
const ANY_DIGIT = /\d/;
const ANY_LETTER = /[A-Za-z]/;
const WORD_CHAR = /\w/;

/** A value that looks like a real credential (not a placeholder, a name, a path or prose). */
function plausibleSecret(value: string, strong: boolean): boolean {
  const v = value.trim();
  if (v !== value || ANY_SPACE.test(v)) return false;
  if (PLACEHOLDER.test(v)) return false;
  if (ENV_VAR_NAME.test(v)) return false; // an environment variable's name
  if (URL_OR_PATH.test(v) || KEY_FILE.test(v)) return false; // URLs, paths, key files
  if (PLAIN_WORDS.test(v)) return false; // a plain word or snake_case identifier
  if (strong) return v.length >= 8;
  return v.length >= 16 && entropy(v) >= 3.0 && ANY_DIGIT.test(v) && ANY_LETTER.test(v);
}

function masked(value: string): string {
  return value.length >= 12 ? `"${value.slice(0, 4)}…", ${value.length} characters` : `${value.length} characters`;
}

function envName(name: string): string {
  return name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').replace(/\W+/g, '_').toUpperCase();
}

/** The name a string is assigned to or passed as: `x = "..."`, `self.x = "..."`, `f(x="...")`, `{"x": "..."}`, `os.environ["X"] = "..."`. */
function contextName(m: PythonModule, node: Node): { name: string; strong: boolean; environ?: boolean } | undefined {
  const parent = node.parent;
  if (!parent) return undefined;
  if (parent.type === 'assignment' && parent.childForFieldName('right')?.equals(node)) {
    const left = parent.childForFieldName('left');
    if (!left) return undefined;
    if (left.type === 'identifier') return { name: left.text, strong: PASSWORD.test(left.text) };
    if (left.type === 'attribute') {
      const name = left.childForFieldName('attribute')?.text ?? '';
      return { name, strong: PASSWORD.test(name) };
    }
    if (left.type === 'subscript') {
      const key = m.constantValue(left.childForFieldName('subscript') ?? undefined);
      if (key?.kind !== 'string') return undefined;
      // `os.environ["WANDB_API_KEY"] = "..."`: the name is the variable's.
      const target = left.childForFieldName('value');
      const environ = target && m.resolveExpression(target, m.scopeAt(target.startIndex)) === 'os.environ';
      return { name: key.value, strong: !!environ, environ: !!environ };
    }
    return undefined;
  }
  if (parent.type === 'keyword_argument' && parent.childForFieldName('value')?.equals(node)) {
    const name = parent.childForFieldName('name')?.text ?? '';
    return { name, strong: SECRET_KEYWORDS.has(name) };
  }
  if (parent.type === 'pair' && parent.childForFieldName('value')?.equals(node)) {
    const key = m.constantValue(parent.childForFieldName('key') ?? undefined);
    return key?.kind === 'string' ? { name: key.value, strong: PASSWORD.test(key.value) } : undefined;
  }
  return undefined;
}

/**
 * The value of a plain string literal read from the source text (no node access): the text
 * between its quotes, which is what `PythonModule.constantValue` gives for a string
 * without an `f` prefix (escape sequences are part of its `string_content`). Undefined
 * for f-strings and anything not shaped like a single literal: those take the exact path.
 */
function plainStringValue(source: string, start: number, end: number): string | undefined {
  let i = start;
  while (i < end && 'rRbBuU'.includes(source[i])) i++;
  const q = source[i];
  if (q !== '"' && q !== "'") return undefined;
  const tripleQuote = q === '"' ? '"""' : "'''";
  const quote = source.startsWith(tripleQuote, i) && end - i >= 6 ? tripleQuote : q;
  if (!source.startsWith(quote, end - quote.length) || end - quote.length < i + quote.length) return undefined;
  return source.slice(i + quote.length, end - quote.length);
}

/**
 * Whether the token just before `start` on its line is `=` or `:`: a string whose parent is
 * an assignment (`x = "..."`, `x: str = "..."`), a keyword argument or a dict pair always is
 * (a comment cannot sit between them on one line). A string that starts its line (after
 * a bracket's line break, where a comment may come between) counts as possibly one.
 */
function mayBeNamedValue(source: string, start: number): boolean {
  let i = start - 1;
  while (i >= 0) {
    const ch = source[i];
    if (ch === ' ' || ch === '\t' || ch === '\f') i--;
    else if (ch === '\n' || ch === '\r') return true;
    else if (ch === '\\') return true;
    else if (ch === ':') return true;
    else if (ch === '=') return mayBeSecretName(source, i);
    else return false;
  }
  return true;
}

/** Words in every name `SECRET_NAME`, `PASSWORD` and `SECRET_KEYWORDS` accept. */
const SECRET_WORD = /key|secret|token|passw|pwd|credential/i;

/**
 * For a string after the `=` at `eq`: whether the name it is assigned to or passed as may
 * be a secret's (`contextName` takes it from the target or keyword before the `=`, on the
 * same line unless a line ends with `\` or the `=` starts its line). `x["k"] = ...` always
 * may (a value set in `os.environ` is reported whatever its name).
 */
function mayBeSecretName(source: string, eq: number): boolean {
  const lineStart = source.lastIndexOf('\n', eq - 1) + 1;
  const before = source.slice(lineStart, eq);
  if (/\]\s*$/.test(before) || SECRET_WORD.test(before) || !before.trim()) return true;
  // The statement goes on from the line above (`password: \` then `str = "..."`).
  let k = lineStart - 2;
  if (k >= 0 && source[k] === '\r') k--;
  return k >= 0 && source[k] === '\\';
}

// Prefix letters are tested with `includes`, not regular expressions: the reading below
// asks about them for every literal, thousands of times in a large file.
const PREFIX_LETTERS = 'rRbBuUfFtT';
const FORMAT_PREFIX_LETTERS = 'fFtT';
/** The earlier of two offsets, where -1 is none. */
const earliest = (a: number, b: number) => (a < 0 ? b : b < 0 ? a : Math.min(a, b));
const IN_DOUBLE = /["\\\r\n]/g;
const IN_SINGLE = /['\\\r\n]/g;
const IN_TRIPLE_DOUBLE = /["\\]/g;
const IN_TRIPLE_SINGLE = /['\\]/g;

/**
 * The string literals of a module (what `descendantsOfType('string')` returns, in document
 * order), found by reading the source text instead of walking the tree: a walk that
 * marshals every node out of the wasm heap costs tens of milliseconds on a large file.
 * F-strings take their extent and nested strings from the tree (they are few). Each is
 * handed to `visit` as it is read (a large file has thousands: no object for each). False
 * where the text is not plain valid Python as far as this reading goes: the caller walks
 * the tree then.
 */
function readStringLiterals(m: PythonModule, visit: (start: number, end: number, node?: Node) => void): boolean {
  const s = m.source;
  const n = s.length;
  let i = 0;
  // Only quotes and comments matter outside strings: the occurrences of each (kept between
  // versions of the source, not searched for again on every edit), walked in order.
  const doubles = offsetsOf(s, '"');
  const singles = offsetsOf(s, "'");
  const hashes = offsetsOf(s, '#');
  let nextDouble = 0;
  let nextSingle = 0;
  let nextHash = 0;
  while (i < n) {
    while (nextDouble < doubles.length && doubles[nextDouble] < i) nextDouble++;
    while (nextSingle < singles.length && singles[nextSingle] < i) nextSingle++;
    while (nextHash < hashes.length && hashes[nextHash] < i) nextHash++;
    i = earliest(earliest(doubles[nextDouble] ?? -1, singles[nextSingle] ?? -1), hashes[nextHash] ?? -1);
    if (i < 0) break;
    const c = s.charCodeAt(i);
    if (c === 35 /* # */) {
      const nl = s.indexOf('\n', i);
      i = nl < 0 ? n : nl;
      continue;
    }
    let start = i;
    let formatted = false;
    while (start > 0 && i - start < 3 && PREFIX_LETTERS.includes(s[start - 1])) {
      start--;
      formatted ||= FORMAT_PREFIX_LETTERS.includes(s[start]);
    }
    if (start > 0 && WORD_CHAR.test(s[start - 1])) return false; // `or"x"`, `if"x"`: not worth telling apart
    if (formatted) {
      // An f-string: its end (interpolations may hold strings) and the strings inside it, from the tree.
      const node = m.descendantForIndex(start, i + 1)?.parent;
      if (node?.type !== 'string' || node.startIndex !== start) return false;
      visit(start, node.endIndex, node);
      for (const inner of node.descendantsOfType('string')) if (inner && inner.startIndex !== start) visit(inner.startIndex, inner.endIndex, inner);
      i = node.endIndex;
      continue;
    }
    const tripleQuote = c === 34 ? '"""' : "'''";
    const triple = s.startsWith(tripleQuote, i);
    let j = i + (triple ? 3 : 1);
    const stop = triple ? (c === 34 ? IN_TRIPLE_DOUBLE : IN_TRIPLE_SINGLE) : c === 34 ? IN_DOUBLE : IN_SINGLE;
    for (;;) {
      // Skip to the next character that can end the string (or escape, or break the line).
      stop.lastIndex = j;
      if (!stop.test(s)) return false;
      j = stop.lastIndex - 1;
      const d = s.charCodeAt(j);
      if (d === 92 /* \\ */) {
        j += s.startsWith('\r\n', j + 1) ? 3 : 2;
        continue;
      }
      if (d === c) {
        if (!triple) {
          j++;
          break;
        }
        if (s.startsWith(tripleQuote, j)) {
          j += 3;
          break;
        }
      } else if (!triple && (d === 10 || d === 13)) return false;
      j++;
    }
    visit(start, j);
    i = j;
  }
  return true;
}

/**
 * The string literals that may be reported, in document order. Most strings are settled by
 * their text alone, before any node of theirs is looked at (`node.parent` walks down from
 * the root in web-tree-sitter): a value that is neither in a token's format nor a
 * plausible secret in the most lenient (strong) context, or that is no assignment's,
 * keyword's or dict pair's value, is never reported.
 */
function candidateStrings(m: PythonModule): Node[] {
  const source = m.source;
  const mayReport = (start: number, end: number) => {
    const plain = plainStringValue(source, start, end);
    if (plain === undefined) return true;
    if (plain.length < 8 || plain.length > 400) return false;
    return ANY_TOKEN_FORMAT.test(plain) || (plausibleSecret(plain, true) && mayBeNamedValue(source, start));
  };
  if (!m.hasError) {
    const out: Node[] = [];
    let agrees = true;
    const read = readStringLiterals(m, (start, end, lexed) => {
      if (!agrees || !mayReport(start, end)) return;
      const node = lexed ?? m.descendantForIndex(start, end);
      if (node?.type !== 'string' || node.startIndex !== start || node.endIndex !== end) agrees = false;
      else out.push(node);
    });
    if (read && agrees) return out;
  }
  const out: Node[] = [];
  for (const node of m.descendantsOfType('string')) if (mayReport(node.startIndex, node.endIndex)) out.push(node);
  return out;
}

/**
 * Libraries through which ML code uses credentials (trackers, hubs, model APIs, cloud,
 * HTTP and database clients) and the ML libraries themselves: files importing none of
 * them are not parsed for this rule (a cheap early exit for the rest of a workspace).
 */
const CREDENTIAL_USERS = [
  'wandb', 'huggingface_hub', 'transformers', 'datasets', 'diffusers', 'openai', 'anthropic', 'cohere', 'replicate', 'groq',
  'mistralai', 'google', 'vertexai', 'azure', 'boto3', 'botocore', 's3fs', 'gcsfs', 'mlflow', 'comet_ml', 'neptune',
  'clearml', 'kaggle', 'requests', 'httpx', 'aiohttp', 'langchain', 'langchain_openai', 'langchain_community', 'llama_index',
  'pinecone', 'weaviate', 'qdrant_client', 'sqlalchemy', 'psycopg2', 'pymysql', 'pymongo', 'redis', 'paramiko', 'github',
  'slack_sdk', 'dotenv', 'torch', 'tensorflow', 'keras', 'sklearn', 'lightning', 'pytorch_lightning', 'xgboost',
  'lightgbm', 'jax', 'pandas',
];

export default defineRule({
  target: 'python',
  requires: CREDENTIAL_USERS,
  meta: {
    id: 'CFG003',
    name: 'hardcoded-secret',
    family: 'CFG',
    severity: 'error',
    practice: 'P8',
    languages: ['python'],
    summary: 'An API key, token or password is written in the code.',
    provenance: ['bandit B105/B106/B107 (hardcoded passwords)', 'gitleaks / detect-secrets token formats', 'Ruff S105/S106'],
    fix: 'unsafe',
    docs: {
      what:
        'Finds string literals that are credentials: values in the format of a known token (Hugging Face `hf_...`, OpenAI `sk-...`, Anthropic, AWS `AKIA...`, GitHub, GitLab, Slack, Google, Stripe, Replicate, Groq), secrets passed to `wandb.login(key=...)`, `huggingface_hub.login(token=...)` or any `token=`/`api_key=`/`password=`/`aws_secret_access_key=` keyword, values set in `os.environ["..._KEY"]`, and high-entropy strings (16+ characters with letters and digits) assigned to names such as `*_token`, `*_api_key`, `*_secret`, `password`. Placeholders (`"your-api-key"`, `"xxxx"`, `"<token>"`), names of environment variables, paths and plain words are not reported. Messages never repeat the secret: they show its first four characters and its length. Looks at files that import an ML library or a client through which credentials are used (trackers, model hubs and APIs, cloud, HTTP and database clients).',
      why:
        'A secret in code is a secret in every copy of the repository, its history, every notebook export and every log that prints the source: anyone who sees the file can use the account, its quota and its data. Keys belong in the environment or a secrets manager; a key that was committed must be revoked, since deleting it does not remove it from the history.',
      example: 'import wandb\n\nwandb.login(key="3f8a61c2d4e5b6a7980f1e2d3c4b5a69788f7e6d")\n',
      useInstead: 'import wandb\n\n# reads WANDB_API_KEY from the environment\nwandb.login()\n',
      references: ['https://owasp.org/www-community/vulnerabilities/Use_of_hard-coded_password', 'https://docs.wandb.ai/guides/track/environment-variables', 'https://huggingface.co/docs/huggingface_hub/quick-start#authentication'],
    },
  },
  check(ctx) {
    // Cheap text checks first: a token's prefix, or a secret-like name being assigned or passed.
    // The name hint first: it usually matches early in ML code, where the token hint scans the whole file.
    if (!NAME_HINT.test(ctx.source) && !TOKEN_HINT.test(ctx.source)) return;
    const m = ctx.module;
    const seen = new Set<number>();
    const osImport = m.moduleScope.bindings.get('os')?.every((b) => b.kind === 'import' && b.imported === 'os');
    const report = (node: Node, value: string, what: string, env: string, environ = false) => {
      if (seen.has(node.startIndex)) return;
      seen.add(node.startIndex);
      const edits: TextEdit[] = [{ range: nodeRange(node), newText: `os.environ[${JSON.stringify(env)}]` }];
      if (!osImport) {
        const at = importPosition(m);
        const atEnd = at.character > 0;
        edits.push({ range: { start: at, end: at }, newText: atEnd ? '\nimport os' : 'import os\n' });
      }
      // `os.environ["X"] = "..."` sets the variable itself: the fix is to delete the line, not to rewrite it.
      const fixes: Fix[] = environ ? [] : [{ title: `Read it from the environment variable ${env} (and revoke this one)`, safety: 'unsafe', edits }];
      ctx.reportNode(
        node,
        `${what} is written in the code (${masked(value)}): anyone with this file or its history can use it; read it from the environment (${env}) or a secrets manager, and revoke this one`,
        { fixes },
      );
    };
    // Known calls first: `wandb.login(key=...)`.
    for (const call of m.callsTo(...Object.keys(KEYED_CALLS))) {
      const spec = KEYED_CALLS[call.callee!];
      const arg = call.keyword(spec.keyword) ?? (spec.position >= 0 ? call.positional[spec.position] : undefined);
      const v = m.constantValue(arg, call.scope);
      if (arg?.type === 'string' && v?.kind === 'string' && plausibleSecret(v.value, true)) report(arg, v.value, `a ${call.callee} key`, spec.env);
    }
    for (const node of candidateStrings(m)) {
      if (seen.has(node.startIndex)) continue;
      // Docstrings and other bare strings document; they are not values.
      if (node.parent?.type === 'expression_statement' || node.parent?.type === 'concatenated_string') continue;
      const v = m.constantValue(node);
      if (v?.kind !== 'string' || v.value.length < 8 || v.value.length > 400) continue;
      const context = contextName(m, node);
      const format = TOKEN_FORMATS.find((f) => f.re.test(v.value));
      if (format && !PLACEHOLDER.test(v.value)) {
        report(node, v.value, format.what, context?.environ ? context.name : format.env, context?.environ);
        continue;
      }
      if (!context || !SECRET_NAME.test(context.name)) {
        if (!context?.strong) continue;
      }
      if (!plausibleSecret(v.value, context.strong)) continue;
      const label = /pass|pwd/i.test(context.name) ? 'a password' : /token/i.test(context.name) ? 'a token' : 'a secret key';
      report(node, v.value, `${label} (\`${context.name}\`)`, envName(context.name), context.environ);
    }
  },
});
