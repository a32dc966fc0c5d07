/**
 * The end-to-end scenarios, written against the Driver interface only, so they run
 * unchanged in code-server (chromium) and in desktop VS Code. They run in order in one
 * window on one copy of examples/ and build on each other's edits of train.py. Each
 * asserts on what the user sees: the Problems panel's rows, the quick-fix menu's titles,
 * a webview's content.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { waitFor, type Driver, type ExtensionManifest, type Problem, type Webview } from './driver';
import { cliFindings, writeBrokenModel, writeInvalidConfig } from './workspace';

export interface Scenario {
  title: string;
  /** Why the scenario cannot run against this build (the feature is not in the package), or undefined. */
  pending?(manifest: ExtensionManifest, driver: Driver): string | undefined;
  run(driver: Driver): Promise<void>;
}

const TRAIN = 'ml-project/src/train.py';
const MODEL = 'models/squeezenet.onnx';
const GRAPH_EDITOR = 'mlHygiene.onnxGraph';
const BENCHMARK_TITLE = 'Benchmark Model';
const PROFILE_TITLE = 'Profile Model';
/** Exported by PyTorch: its nodes have the names onnxruntime's profile reports. */
const NAMED_MODEL = 'models/squeezenet1_1.onnx';
/** The diagnostics' source, shown in Problems next to the rule id. */
const SOURCE = 'ml-hygiene';
/** First activation starts the language server and scans the workspace. */
const FIRST_FINDINGS_MS = 60_000;
const UPDATE_MS = 10_000;
/** Scenario 3: a typed finding must be listed within this long of the last keystroke. */
const TYPING_BUDGET_MS = Number(process.env.ML_HYGIENE_E2E_TYPING_MS ?? 1000);
const TYPING_TRIES = 3;

const ours = (ps: Problem[]) => ps.filter((p) => p.source === SOURCE);
const rules = (ps: Problem[]) => [...new Set(ps.map((p) => p.rule))].sort();
const describe = (ps: Problem[]) => ps.map((p) => `${p.rule}@${p.line}:${p.column}`).join(', ') || '(none)';

/** Waits until the panel lists ML Hygiene problems for `file` that satisfy `ok`. */
async function problemsWhere(d: Driver, file: string, what: string, ok: (ps: Problem[]) => boolean, timeoutMs = UPDATE_MS, intervalMs = 100): Promise<Problem[]> {
  let last: Problem[] = [];
  try {
    return await waitFor(what, timeoutMs, async () => {
      last = ours(await d.problems(file));
      return ok(last) ? last : undefined;
    }, intervalMs);
  } catch (e) {
    throw new Error(`${(e as Error).message}; ${file} shows: ${describe(last)}`);
  }
}

function find(ps: Problem[], rule: string): Problem {
  const p = ps.find((x) => x.rule === rule);
  assert.ok(p, `${rule} is listed (listed: ${describe(ps)})`);
  return p;
}

/** Waits for an open webview that satisfies `ok`; `failed` returning a message ends the wait with it. */
async function webviewWith(d: Driver, what: string, timeoutMs: number, ok: (v: Webview) => Promise<boolean>, failed?: () => Promise<string | undefined>): Promise<Webview> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    for (const v of (await d.webviews?.()) ?? []) if (await ok(v).catch(() => false)) return v;
    const why = await failed?.();
    if (why) throw new Error(`${what}: failed: ${why}`);
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

function readWorkspaceFile(d: Driver, rel: string): string {
  return fs.readFileSync(path.join(d.workspace, rel), 'utf8');
}

export const scenarios: Scenario[] = [
  {
    title: '1. train.py: its SER/RNG/CFG findings appear in Problems with their rule ids; a suppression comment removes one',
    async run(d) {
      // Problems lists no hints (VS Code shows them only as editor dots).
      const expected = cliFindings(path.join(d.workspace, TRAIN)).filter((f) => f.severity !== 'hint');
      for (const family of ['SER', 'RNG', 'CFG']) assert.ok(expected.some((f) => f.rule.startsWith(family)), `the CLI finds ${family} in train.py`);
      await d.openFile(TRAIN);
      const key = (p: { rule: string; line: number; column: number }) => `${p.rule}@${p.line}:${p.column}`;
      const want = expected.map(key).sort();
      const shown = await problemsWhere(d, 'train.py', `the CLI's findings (${want.join(', ')})`, (ps) => want.every((k) => ps.some((p) => key(p) === k)), FIRST_FINDINGS_MS);
      await d.screenshot('1-problems-train-py');
      assert.deepEqual(shown.map(key).sort(), want, 'Problems lists exactly what the CLI finds, at the same positions');
      for (const f of expected) {
        const p = shown.find((x) => key(x) === key(f))!;
        assert.equal(p.severity, f.severity, `${key(f)} severity`);
      }

      // A suppression comment typed at the end of the pickle.load line removes SER001 only.
      const ser001 = find(shown, 'SER001');
      await d.typeAtEndOfLine(ser001.line, '  # ml-hygiene: ignore[SER001]');
      const others = rules(shown).filter((r) => r !== 'SER001');
      await problemsWhere(d, 'train.py', 'SER001 gone, the others still listed', (ps) => !ps.some((p) => p.rule === 'SER001') && others.every((r) => ps.some((p) => p.rule === r)));
      await d.screenshot('1-suppressed-ser001');

      await d.save();
    },
  },
  {
    title: '2. a quick fix from the light bulb removes the finding',
    async run(d) {
      const before = ours(await d.problems('train.py'));
      const ser005 = find(before, 'SER005');
      const titles = await d.quickFixTitles(ser005.line, ser005.column);
      await d.screenshot('2-quick-fix-menu');
      assert.ok(titles.some((t) => /weights_only=True/.test(t)), `a weights_only fix is offered (offered: ${titles.join(' | ')})`);
      assert.ok(titles.includes('Ignore SER005 on this line'), `a suppression is offered (offered: ${titles.join(' | ')})`);
      await d.applyQuickFix(ser005.line, ser005.column, /^Add weights_only=True$/);
      await problemsWhere(d, 'train.py', 'SER005 gone', (ps) => !ps.some((p) => p.rule === 'SER005') && ps.some((p) => p.rule === 'SER004'));
      await d.save();
      const line = readWorkspaceFile(d, TRAIN).split('\n')[ser005.line - 1];
      assert.match(line, /torch\.load\("classifier\.pt", weights_only=True\)/, 'the fix edited the call');
      await d.screenshot('2-quick-fix-applied');
    },
  },
  {
    title: `3. a typed pickle.load line is flagged within ${TYPING_BUDGET_MS} ms (best of ${TYPING_TRIES} lines)`,
    async run(d) {
      const lines = readWorkspaceFile(d, TRAIN).split('\n');
      const at = lines.findIndex((l) => /encoder = pickle\.load\(f\)/.test(l)) + 1;
      assert.ok(at > 0, 'train.py has the encoder = pickle.load(f) line');
      const before = ours(await d.problems('train.py')).filter((p) => p.rule === 'SER001');
      assert.equal(before.length, 0, 'SER001 is suppressed on the existing line');
      // Each try types one more line below the last and times it from the last keystroke to
      // its row in Problems. The best try is held to the budget: on a shared, loaded machine
      // single tries vary by hundreds of ms; every try must still be listed within 5 s.
      const times: number[] = [];
      for (let i = 0; i < TYPING_TRIES; i++) {
        const line = at + 1 + i;
        await d.typeNewLineAfter(line - 1, `extra${i} = pickle.load(f)`);
        const typed = Date.now();
        const after = await problemsWhere(d, 'train.py', `SER001 on typed line ${line}`, (ps) => ps.some((p) => p.rule === 'SER001' && p.line === line), 5000, 20);
        times.push(Date.now() - typed);
        assert.match(after.find((p) => p.rule === 'SER001' && p.line === line)!.message, /pickle\.load/);
        if (i === 0) await d.screenshot('3-typed-pickle-load');
      }
      console.log(`      SER001 listed ${times.join(', ')} ms after the last keystroke`);
      assert.ok(Math.min(...times) <= TYPING_BUDGET_MS, `listed within ${TYPING_BUDGET_MS} ms (took ${times.join(', ')} ms)`);
      await d.save();
    },
  },
  {
    title: '4. the .onnx graph editor renders; clicking a node shows its details',
    pending: (m, d) =>
      !m.contributes?.customEditors?.some((e) => e.viewType === GRAPH_EDITOR)
        ? `the package contributes no custom editor ${GRAPH_EDITOR} yet`
        : !d.webviews
          ? `the ${d.host} driver cannot look into webviews`
          : undefined,
    async run(d) {
      await d.openFile(MODEL);
      // The graph view draws on a canvas and says its state on <body data-state>; its test
      // hook window.__mlHygieneGraph gives the scene and where a node is on screen.
      const view = await webviewWith(d, 'the graph editor at data-state=ready', 60_000, async (v) => (await v.count('body[data-state="ready"] canvas.graph')) > 0);
      type SceneNode = { id: string; kind: string; opType?: string };
      const nodes = await view.evaluate<SceneNode[]>('window.__mlHygieneGraph.scene().nodes.map((n) => ({ id: n.id, kind: n.kind, opType: n.opType }))');
      assert.ok(nodes.length > 50, `squeezenet's scene has its nodes (${nodes.length})`);
      const drawn = Number(await view.evaluate<string>('document.body.dataset.drawnNodes'));
      assert.ok(drawn >= 3, `boxes are drawn in the first view (${drawn})`);
      await d.screenshot('4-graph-editor');
      const conv = nodes.find((n) => n.kind === 'op' && n.opType === 'Conv');
      assert.ok(conv, `the scene has a Conv node (kinds: ${[...new Set(nodes.map((n) => n.kind))].join(', ')})`);
      const id = JSON.stringify(conv.id);
      await view.evaluate(`window.__mlHygieneGraph.reveal(${id})`);
      // Two animation frames: the view has moved and redrawn.
      await view.evaluate('new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(() => r(true))))');
      const at = await waitFor('the Conv node on screen', UPDATE_MS, async () =>
        view.evaluate<{ x: number; y: number } | null>(
          `(() => { const p = window.__mlHygieneGraph.screenPosition(${id}); const r = document.querySelector('canvas.graph').getBoundingClientRect(); return p ? { x: p.x - r.left, y: p.y - r.top } : null; })()`,
        ).then((p) => p ?? undefined),
      );
      await view.click('canvas.graph', at);
      await waitFor('the details of the clicked node', UPDATE_MS, async () => ((await view.count(`.details-node[data-node-id=${id}]`)) > 0 ? true : undefined));
      const details = await view.evaluate<string>(`document.querySelector('.details-node').innerText`);
      assert.match(details, /^Conv/, 'the details panel names the operator');
      await d.screenshot('4-graph-node-details');
    },
  },
  {
    title: '5. "ML Hygiene: Benchmark Model" shows progress and latency percentiles',
    pending: (m, d) =>
      !m.contributes?.commands?.some((c) => c.title === BENCHMARK_TITLE)
        ? `the package contributes no "${BENCHMARK_TITLE}" command yet`
        : !d.webviews
          ? `the ${d.host} driver cannot look into webviews`
          : undefined,
    async run(d) {
      await d.openFile(MODEL);
      await d.runCommand(`ML Hygiene: ${BENCHMARK_TITLE}`);
      await waitFor('benchmark progress', 30_000, async () => ((await d.notifications()).some((n) => /bench/i.test(n)) ? true : undefined));
      await d.screenshot('5-benchmark-progress');
      const results = await webviewWith(
        d,
        'latency percentiles in a results view',
        150_000,
        async (v) => {
          const t = await v.text();
          return /p50/i.test(t) && /p9[059]/i.test(t);
        },
        // A notification that says the run failed ends the wait with its text.
        async () => (await d.notifications()).find((n) => /bench/i.test(n) && /fail|error|exited|cannot|could not/i.test(n)),
      );
      const text = await results.text();
      assert.match(text, /\bms\b/, 'latencies are in ms');
      await d.screenshot('5-benchmark-results');
    },
  },
  {
    title: '5b. "ML Hygiene: Profile Model" shows the per-operator table and heats the open graph',
    pending: (m, d) =>
      !m.contributes?.commands?.some((c) => c.title === PROFILE_TITLE)
        ? `the package contributes no "${PROFILE_TITLE}" command yet`
        : !d.webviews || !d.acceptPrompt
          ? `the ${d.host} driver cannot look into webviews or answer prompts`
          : undefined,
    async run(d) {
      await d.openFile(NAMED_MODEL);
      const graph = await webviewWith(d, 'the graph of squeezenet1_1 at data-state=ready', 60_000, async (v) =>
        (await v.count('body[data-state="ready"] canvas.graph')) > 0 && /features/.test(JSON.stringify(await v.evaluate('window.__mlHygieneGraph.scene().nodes.map((n) => n.name)'))),
      );
      await d.runCommand(`ML Hygiene: ${PROFILE_TITLE}`);
      // The command asks for the symbolic batch dimension (default 1), then which graph to profile (optimized first).
      assert.match(await d.acceptPrompt!(), /Dimension 'batch' of squeezenet1_1\.onnx/);
      assert.match(await d.acceptPrompt!(), /Profile squeezenet1_1\.onnx/);
      const results = await webviewWith(
        d,
        'a profile with a per-operator table',
        150_000,
        async (v) => /Profile/.test(await v.text()) && /\bConv\b/.test(await v.text()) && /%/.test(await v.text()),
        async () => (await d.notifications()).find((n) => /profil/i.test(n) && /fail|error|exited|cannot|could not/i.test(n)),
      );
      assert.match(await results.text(), /p50/i, 'the profile view reports latency too');
      await d.screenshot('5b-profile-results');
      // The open graph view got the profile: its Conv nodes carry a time and a share.
      type Heat = Record<string, { ms: number; share: number }>;
      const heat = await waitFor('the heat overlay on the graph', UPDATE_MS, async () => {
        const h = await graph.evaluate<Heat | null>('window.__mlHygieneGraph.profile() ?? null');
        return h && Object.keys(h).length ? h : undefined;
      });
      const names = await graph.evaluate<string[]>('window.__mlHygieneGraph.scene().nodes.filter((n) => n.opType === "Conv").map((n) => n.name)');
      const heated = names.filter((n) => heat[n]);
      assert.ok(heated.length > names.length / 2, `most Conv nodes are heated (${heated.length} of ${names.length})`);
      const shares = Object.values(heat).reduce((a, h) => a + h.share, 0);
      assert.ok(shares > 0.5 && shares <= 1.0001, `the shares add up to most of the run (${shares.toFixed(3)})`);
      await d.screenshot('5b-profile-heat');
    },
  },
  {
    title: '6. a broken .onnx and an invalid .ml-hygiene.yaml: clear errors in Problems, linting goes on',
    async run(d) {
      writeBrokenModel(d.workspace);
      writeInvalidConfig(d.workspace);
      const broken = await problemsWhere(d, 'broken.onnx', 'an error on broken.onnx', (ps) => ps.some((p) => p.severity === 'error'), 30_000);
      const modelError = broken.find((p) => p.severity === 'error')!;
      assert.match(modelError.message, /broken\.onnx|decode|truncat|offset|field|end of/i, `the model error says what is wrong: ${modelError.message}`);
      console.log(`      broken.onnx: ${modelError.rule}: ${modelError.message}`);
      await d.screenshot('6-broken-model');
      const config = await problemsWhere(d, '.ml-hygiene.yaml', 'MLH001 on the configuration', (ps) => ps.some((p) => p.rule === 'MLH001'), 30_000);
      const configError = find(config, 'MLH001');
      assert.match(configError.message, /yaml|configuration|parse|flow|expected/i);
      console.log(`      .ml-hygiene.yaml: MLH001: ${configError.message}`);
      await d.screenshot('6-invalid-config');

      // The extension keeps working: train.py is still linted as it is edited.
      await d.openFile(TRAIN);
      const lines = readWorkspaceFile(d, TRAIN).split('\n');
      const at = lines.findIndex((l) => /^def load_settings/.test(l)) + 2;
      await d.typeNewLineAfter(at, 'cached = pickle.load(f)');
      await problemsWhere(d, 'train.py', 'SER001 on the new line', (ps) => ps.some((p) => p.rule === 'SER001' && p.line === at + 1));
      const failed = (await d.notifications()).filter((n) => /ML Hygiene could not start|language server.*(crash|stopp)/i.test(n));
      assert.deepEqual(failed, [], 'no notification says the server failed');
      await d.screenshot('6-still-linting');
      await d.save();
    },
  },
];
