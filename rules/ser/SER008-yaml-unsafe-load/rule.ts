import * as path from 'node:path';
import type { Node } from 'web-tree-sitter';
import type { Fix } from '../../../protocol/findings';
import { nodeRange } from '../../../server/src/engine/lint';
import { specAllowsBelow } from '../../../server/src/engine/project';
import type { CallSite, PythonModule, Scope } from '../../../server/src/engine/python/module';
import { defineRule } from '../../../server/src/engine/rule';

type LoaderKind = 'safe' | 'unsafe' | 'full';

/** PyYAML loaders by what they construct (`yaml.loader.*` and `yaml.cyaml.*` are the same classes). */
const LOADERS: Record<string, LoaderKind> = {
  SafeLoader: 'safe',
  CSafeLoader: 'safe',
  BaseLoader: 'safe',
  CBaseLoader: 'safe',
  Loader: 'unsafe',
  UnsafeLoader: 'unsafe',
  CLoader: 'unsafe',
  CUnsafeLoader: 'unsafe',
  FullLoader: 'full',
  CFullLoader: 'full',
};

/** PyYAML 5.4 closed the known code-execution holes in FullLoader (CVE-2020-1747, CVE-2020-14343). */
const FULL_LOADER_FIXED_IN = '5.4';

const SAFE_INSTEAD: Record<string, string> = {
  'yaml.load': 'safe_load',
  'yaml.load_all': 'safe_load_all',
  'yaml.unsafe_load': 'safe_load',
  'yaml.unsafe_load_all': 'safe_load_all',
  'yaml.full_load': 'safe_load',
  'yaml.full_load_all': 'safe_load_all',
};

function loaderKindOf(qualified: string | undefined): LoaderKind | undefined {
  const m = /^yaml\.(?:loader\.|cyaml\.)?(\w+)$/.exec(qualified ?? '');
  return m ? LOADERS[m[1]] : undefined;
}

/** What kind of loader an expression is: a PyYAML class, an alias, a local subclass, `getattr(yaml, "CSafeLoader", yaml.SafeLoader)`. */
function classifyLoader(m: PythonModule, node: Node, scope: Scope, depth = 0): { kind: LoaderKind; name: string } | undefined {
  if (depth > 6) return undefined;
  const q = m.resolveExpression(node, scope);
  const kind = loaderKindOf(q);
  if (kind) return { kind, name: node.text === q ? q : `${node.text} (${q})` };
  if (node.type === 'identifier') {
    const b = m.reachingBinding(node, scope);
    if (b?.kind === 'class' && b.node.parent) {
      // A local subclass constructs what its bases construct; the least safe base wins.
      let worst: { kind: LoaderKind; name: string } | undefined;
      for (const base of b.node.parent.childForFieldName('superclasses')?.namedChildren ?? []) {
        if (!base || base.type === 'keyword_argument') continue;
        const k = classifyLoader(m, base, b.scope, depth + 1);
        if (!k) return undefined;
        if (!worst || rank(k.kind) > rank(worst.kind)) worst = k;
      }
      return worst ? { kind: worst.kind, name: `${node.text} (a subclass of ${worst.name})` } : undefined;
    }
    if (b?.kind === 'assign' && b.value) return classifyLoader(m, b.value, b.scope, depth + 1);
  }
  if (node.type === 'call' && m.resolveExpression(node.childForFieldName('function')!, scope) === 'builtins.getattr') {
    const args = node.childForFieldName('arguments')?.namedChildren.filter((a) => a && a.type !== 'comment') ?? [];
    const [object, attr, fallback] = args;
    if (!object || !attr || m.resolveExpression(object, scope) !== 'yaml') return undefined;
    const name = m.constantValue(attr, scope);
    const first = name?.kind === 'string' ? loaderKindOf(`yaml.${name.value}`) : undefined;
    const second = fallback ? classifyLoader(m, fallback, scope, depth + 1) : { kind: first!, name: '' };
    if (!first || !second) return undefined;
    const kind = rank(first) >= rank(second.kind) ? first : second.kind;
    return { kind, name: `getattr(yaml, ${attr.text}${fallback ? `, ${fallback.text}` : ''})` };
  }
  return undefined;
}

function rank(kind: LoaderKind): number {
  return kind === 'safe' ? 0 : kind === 'full' ? 1 : 2;
}

export default defineRule({
  target: 'python',
  requires: ['yaml', 'ruamel'],
  meta: {
    id: 'SER008',
    name: 'yaml-unsafe-load',
    family: 'SER',
    severity: 'error',
    practice: 'P1',
    languages: ['python'],
    summary: 'yaml.load without a safe Loader (or yaml.unsafe_load) can construct arbitrary Python objects and run code.',
    provenance: ['bandit B506 (yaml_load)', 'ruff S506 (unsafe-yaml-load)', 'Semgrep python.lang.security.deserialization.avoid-pyyaml-load.avoid-pyyaml-load'],
    fix: 'safe',
    docs: {
      what:
        'Finds PyYAML loads that can build arbitrary Python objects: `yaml.load`/`load_all` with no `Loader` (by keyword or second positional argument) or with `Loader`/`UnsafeLoader`/`CLoader`/`CUnsafeLoader` (through aliases, local subclasses and `getattr(yaml, ...)` fallbacks), `yaml.unsafe_load`/`unsafe_load_all`, and ruamel.yaml\'s `YAML(typ="unsafe")`. `FullLoader`, `full_load` and `full_load_all` are reported only where the project allows PyYAML before 5.4, whose FullLoader could still run code (CVE-2020-1747, CVE-2020-14343); from 5.4 on it no longer can, though `safe_load` remains the choice for input you do not control. `SafeLoader`, `CSafeLoader`, `BaseLoader`, `CBaseLoader` and `safe_load` are never reported; a Loader the rule cannot identify is not reported.',
      why:
        'YAML tags such as `!!python/object/apply:os.system` make PyYAML\'s full loaders import and call Python objects: a config or model card loaded with them is code. ML projects load YAML from many hands (experiment configs, dataset cards, downloaded model configs), and `safe_load` reads every plain YAML document the same way. A `yaml.load` without a Loader is unsafe before PyYAML 5.1, full-loading up to 5.4, and an error from 6.0.',
      example: 'import yaml\n\nwith open("config.yaml") as f:\n    config = yaml.load(f, Loader=yaml.Loader)\n',
      useInstead: 'import yaml\n\nwith open("config.yaml") as f:\n    config = yaml.safe_load(f)\n',
      references: [
        'https://pyyaml.org/wiki/PyYAMLDocumentation',
        'https://github.com/yaml/pyyaml/wiki/PyYAML-yaml.load(input)-Deprecation',
        'https://nvd.nist.gov/vuln/detail/CVE-2020-14343',
      ],
    },
  },
  check(ctx) {
    const m = ctx.module;
    const pyyaml = ctx.project.declared('pyyaml');
    const oldFullLoader = pyyaml ? specAllowsBelow(pyyaml.spec, FULL_LOADER_FIXED_IN, pyyaml.locked) === true : false;
    const pyyamlWhere = pyyaml
      ? `${path.relative(path.dirname(ctx.path), pyyaml.source).split(path.sep).join('/')} ${pyyaml.locked ? 'locks' : 'declares'} PyYAML${
          pyyaml.spec ? (/^[0-9]/.test(pyyaml.spec) ? ' ' : '') + pyyaml.spec : ' with no version constraint'
        }`
      : '';

    for (const call of m.callsTo('yaml.load', 'yaml.load_all')) {
      const callee = call.callee!;
      const loader = call.argument(1, 'Loader');
      if (!loader) {
        if (call.hasKeywordSplat) continue; // the Loader may come in **kwargs
        ctx.reportNode(
          call.node,
          `${callee} without a Loader is unsafe: PyYAML before 5.1 then builds arbitrary Python objects from tags like !!python/object/apply, so the document can run code (5.1 to 5.4 fall back to FullLoader, 6.0 rejects the call); use yaml.${SAFE_INSTEAD[callee]}()`,
          { fixes: renameFix(m, call, SAFE_INSTEAD[callee], 'safe') },
        );
        continue;
      }
      const kind = classifyLoader(m, loader, call.scope);
      if (!kind || kind.kind === 'safe') continue;
      if (kind.kind === 'full') {
        if (!oldFullLoader) continue;
        ctx.reportNode(
          call.node,
          `${callee} with ${kind.name} can run code on PyYAML before 5.4 (CVE-2020-1747, CVE-2020-14343), and ${pyyamlWhere}; use yaml.${SAFE_INSTEAD[callee]}() or Loader=yaml.SafeLoader (or upgrade PyYAML)`,
          { fixes: safeLoaderFix(m, call, loader) },
        );
        continue;
      }
      ctx.reportNode(
        call.node,
        `${callee} with ${kind.name} builds arbitrary Python objects from tags like !!python/object/apply, so the document can run code; use yaml.${SAFE_INSTEAD[callee]}() or Loader=yaml.SafeLoader`,
        { fixes: safeLoaderFix(m, call, loader) },
      );
    }

    for (const call of m.callsTo('yaml.unsafe_load', 'yaml.unsafe_load_all')) {
      ctx.reportNode(
        call.node,
        `${call.callee} builds arbitrary Python objects from tags like !!python/object/apply, so the document can run code; use yaml.${SAFE_INSTEAD[call.callee!]}()`,
        { fixes: renameFix(m, call, SAFE_INSTEAD[call.callee!], 'unsafe') },
      );
    }

    if (oldFullLoader)
      for (const call of m.callsTo('yaml.full_load', 'yaml.full_load_all')) {
        ctx.reportNode(
          call.node,
          `${call.callee} uses FullLoader, which can run code on PyYAML before 5.4 (CVE-2020-1747, CVE-2020-14343), and ${pyyamlWhere}; use yaml.${SAFE_INSTEAD[call.callee!]}() (or upgrade PyYAML)`,
          { fixes: renameFix(m, call, SAFE_INSTEAD[call.callee!], 'unsafe') },
        );
      }

    for (const call of m.callsTo('ruamel.yaml.YAML', 'ruamel.yaml.main.YAML')) {
      const typ = call.argument(0, 'typ');
      const value = typ ? m.constantValue(typ, call.scope) : undefined;
      const unsafe = value?.kind === 'string' ? value.value === 'unsafe' : false;
      if (!unsafe) continue;
      ctx.reportNode(
        call.node,
        'ruamel.yaml YAML(typ="unsafe") builds arbitrary Python objects from tags like !!python/object/apply, so the document can run code; use YAML(typ="safe") (or the default round-trip loader)',
      );
    }
  },
});

/** `yaml.load(x)` -> `yaml.safe_load(x)`: renames the attribute when the callee is written as `<yaml alias>.<name>`. */
function renameFix(m: PythonModule, call: CallSite, to: string, safety: 'safe' | 'unsafe'): Fix[] {
  if (call.func.type !== 'attribute') return [];
  const object = call.func.childForFieldName('object');
  const attr = call.func.childForFieldName('attribute');
  if (!object || !attr || m.resolveExpression(object, call.scope) !== 'yaml') return [];
  return [
    {
      title: `Use ${object.text}.${to}()${safety === 'unsafe' ? ' (documents with Python tags will no longer load)' : ''}`,
      safety,
      edits: [{ range: nodeRange(attr), newText: to }],
    },
  ];
}

/** `Loader=yaml.Loader` -> `Loader=yaml.SafeLoader` when written as `<yaml alias>.<Loader>`. */
function safeLoaderFix(m: PythonModule, call: CallSite, loader: Node): Fix[] {
  if (loader.type !== 'attribute') return [];
  const object = loader.childForFieldName('object');
  const attr = loader.childForFieldName('attribute');
  if (!object || !attr || m.resolveExpression(object, call.scope) !== 'yaml') return [];
  const safe = attr.text.startsWith('C') ? 'CSafeLoader' : 'SafeLoader';
  return [{ title: `Use ${object.text}.${safe} (documents with Python tags will no longer load)`, safety: 'unsafe', edits: [{ range: nodeRange(attr), newText: safe }] }];
}
