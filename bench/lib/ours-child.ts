/**
 * Our engine over a list of files, single-threaded, in a fresh process (started by
 * lint-throughput.bench.ts with `node --expose-gc --import tsx`).
 * Usage: ours-child.ts LIST_JSON MODE PASSES
 *   lint         createLinter() + lintFile per file: what one CLI worker does
 *   lint-forced  the same with every rule's `requires` early exit removed: every file is
 *                parsed, indexed and checked by every rule (the worst case)
 *   parse-index  read + PythonModule.parse (tree-sitter parse + scope/binding/call index)
 *   parse        read + tree-sitter parse only
 *   count        one lint pass counting the files that were actually parsed, next to the
 *                count the rules' `requires` predict (checked the way lint.ts checks them)
 *                and the count that really import one of the modules named there
 * Prints one JSON line: { setup, passes: [wall seconds], cpu: [cpu seconds], findings, byRule, ... }.
 */
import * as fs from 'node:fs';
import { LINT_RULES } from '../../rules';
import { createLinter } from '../../server/src/compose';
import { readSourceFile } from '../../server/src/engine/lint';
import { grammarParser } from '../../server/src/engine/parser';
import { importableRoots, PythonModule } from '../../server/src/engine/python/module';
import type { PythonRule } from '../../server/src/engine/rule';

type Mode = 'lint' | 'lint-forced' | 'parse-index' | 'parse' | 'count';

interface Out {
  mode: Mode;
  setup: number;
  passes: number[];
  cpu: number[];
  findings: number;
  byRule: Record<string, number>;
  parsed?: number;
  predicted?: number;
  /** Parsed files that import (per the parsed module) a module some rule's `requires` names. */
  importing?: number;
  rulesWithRequires?: Record<string, readonly string[] | null>;
  /** The Python rules this process ran, to notice rules changing between measurements. */
  rules: string[];
}

const cpuSeconds = (mark: NodeJS.CpuUsage) => {
  const u = process.cpuUsage(mark);
  return (u.user + u.system) / 1e6;
};

async function main(): Promise<void> {
  const [listFile, mode, passesArg] = process.argv.slice(2) as [string, Mode, string];
  const files = JSON.parse(fs.readFileSync(listFile, 'utf8')) as string[];
  const passes = Number(passesArg ?? 1);
  const pythonRules = LINT_RULES.filter((r): r is PythonRule => r.target === 'python');
  const out: Out = { mode, setup: 0, passes: [], cpu: [], findings: 0, byRule: {}, rules: pythonRules.map((r) => r.meta.id) };

  if (mode === 'lint-forced')
    // This process only: drop the early exit so every rule runs on every file.
    for (const r of pythonRules) (r as { requires?: readonly string[] }).requires = undefined;
  if (mode === 'count') {
    out.rulesWithRequires = Object.fromEntries(pythonRules.map((r) => [r.meta.id, r.requires ?? null]));
    let parsed = 0;
    let importing = 0;
    const required = [...new Set(pythonRules.flatMap((r) => r.requires ?? []))];
    const original = PythonModule.parse;
    PythonModule.parse = function (...args: Parameters<typeof original>) {
      parsed++;
      const module = original.apply(this, args);
      if (required.some((m) => module.importsModule(m))) importing++;
      return module;
    };
    const linter = createLinter();
    let predicted = 0;
    for (const f of files) {
      const { text } = readSourceFile(f);
      if (text === undefined) continue;
      // lint.ts: a rule runs when it is on and its `requires` is absent or names a module the text's import lines may import.
      const active = pythonRules.filter((r) => linter.severityFor(r.meta, linter.configFor(f)) !== 'off');
      const importable = importableRoots(text);
      if (active.some((r) => !r.requires || r.requires.some((m) => importable.has(m)))) predicted++;
    }
    for (const f of files) for (const finding of await linter.lintFile(f)) out.byRule[finding.rule] = (out.byRule[finding.rule] ?? 0) + 1;
    out.findings = Object.values(out.byRule).reduce((a, b) => a + b, 0);
    PythonModule.parse = original;
    out.parsed = parsed;
    out.predicted = predicted;
    out.importing = importing;
    console.log(JSON.stringify(out));
    return;
  }

  // Setup: load web-tree-sitter and the grammar, as every CLI worker does once.
  const t0 = performance.now();
  const grammar = await grammarParser('python');
  const linter = createLinter();
  out.setup = (performance.now() - t0) / 1000;

  for (let p = 0; p < passes; p++) {
    (globalThis as { gc?: () => void }).gc?.();
    const cpu0 = process.cpuUsage();
    const start = performance.now();
    const byRule: Record<string, number> = {};
    if (mode === 'lint' || mode === 'lint-forced') {
      for (const f of files) for (const finding of await linter.lintFile(f)) byRule[finding.rule] = (byRule[finding.rule] ?? 0) + 1;
    } else {
      for (const f of files) {
        const { text } = readSourceFile(f);
        if (text === undefined) continue;
        if (mode === 'parse') grammar.parser.parse(text)?.delete();
        else PythonModule.parse(grammar, text).dispose();
      }
    }
    out.passes.push((performance.now() - start) / 1000);
    out.cpu.push(cpuSeconds(cpu0));
    if (p === 0) {
      out.byRule = byRule;
      out.findings = Object.values(byRule).reduce((a, b) => a + b, 0);
    }
  }
  console.log(JSON.stringify(out));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
