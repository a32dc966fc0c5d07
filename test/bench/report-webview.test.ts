/**
 * The results webview (dist/webviews/bench-report.main.js) in headless Chromium, under the
 * same Content-Security-Policy the extension sets, fed a real report through the same
 * messages as in VS Code.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { BenchHostMessage, BenchReport, BenchWebviewMessage } from '../../protocol/bench';
import { compareReports, saveRun } from '../../server/src/bench/report';
import { benchmarkModel } from '../../server/src/bench/service';
import { SHARED_NODE } from './models';

const DIST = path.join(__dirname, '..', '..', 'dist', 'webviews');
const ORIGIN = 'https://webview.test';
const NONCE = 'bm9uY2Utbm9uY2Utbm9uY2U=';

describe('benchmark report webview (headless Chromium)', function () {
  this.timeout(120000);
  let browser: Browser;
  let page: Page;
  let report: BenchReport;
  let earlier: BenchReport;
  let dir: string;

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlh-bench-webview-'));
    const model = path.join(SHARED_NODE, 'test_add.onnx');
    earlier = await benchmarkModel(model, { iterations: 8, warmup: 0, roofline: false });
    report = await benchmarkModel(model, { iterations: 8, warmup: 0, profile: true, profileIterations: 2, roofline: false });
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
    page = await browser.newPage();
    await page.route(`${ORIGIN}/**`, (route) => {
      const url = new URL(route.request().url());
      if (url.pathname === '/index.html') {
        const csp = `default-src 'none'; img-src ${ORIGIN}; style-src ${ORIGIN}; script-src 'nonce-${NONCE}';`;
        return route.fulfill({
          contentType: 'text/html',
          body: `<!DOCTYPE html><html><head><meta http-equiv="Content-Security-Policy" content="${csp}"><link rel="stylesheet" href="${ORIGIN}/bench-report.main.css"></head><body><script nonce="${NONCE}" src="${ORIGIN}/bench-report.main.js"></script></body></html>`,
        });
      }
      const file = path.join(DIST, path.basename(url.pathname));
      return fs.existsSync(file) ? route.fulfill({ path: file }) : route.fulfill({ status: 404 });
    });
    // A string, not a function: tsx would wrap named functions with a helper the page lacks.
    await page.addInitScript(`
      window.__sent = [];
      window.__violations = [];
      document.addEventListener('securitypolicyviolation', (e) => window.__violations.push(e.violatedDirective + ' ' + e.blockedURI));
      let state;
      window.acquireVsCodeApi = () => ({ postMessage: (m) => window.__sent.push(m), setState: (s) => { state = s; }, getState: () => state });
    `);
    await page.goto(`${ORIGIN}/index.html`);
  });
  after(async () => {
    await browser?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const sent = () => page.evaluate(() => (window as unknown as { __sent: BenchWebviewMessage[] }).__sent);
  const post = (m: BenchHostMessage) => page.evaluate((msg) => window.postMessage(msg, '*'), m);

  it('says ready, renders the report, histogram and operator table, with no CSP violation', async () => {
    await page.waitForFunction(() => (window as unknown as { __sent: { type: string }[] }).__sent.some((m) => m.type === 'ready'));
    const savedEarlier = saveRun(dir, earlier);
    const savedNow = saveRun(dir, report);
    await post({ type: 'init', report, savedPath: savedNow, runs: [{ path: savedEarlier, model: earlier.model.path, createdAt: earlier.createdAt, provider: 'cpu', p50Ms: earlier.latencyMs.p50, profiled: false }] });
    await page.waitForSelector('h1');
    assert.equal(await page.textContent('h1'), 'Profile: test_add.onnx');
    assert.equal(await page.locator('rect.bar').count(), report.histogram.counts.length);
    const body = (await page.textContent('body'))!;
    assert.match(body, /median latency/);
    assert.match(body, /Per operator/);
    assert.match(body, /onnxruntime_perf_test/);
    const opRow = await page.locator('table', { hasText: 'op type' }).first().locator('tbody tr').first().textContent();
    assert.match(opRow!, /^Add\s*100\.0%/);
    // Share bars are sized through the CSSOM (allowed by the CSP, unlike style attributes).
    const width = await page.locator('.share').first().evaluate((e) => (e as HTMLElement).style.width);
    assert.equal(width, '80px');

    // Compare with the earlier run.
    await page.click('button');
    const request = (await sent()).find((m) => m.type === 'requestComparison') as Extract<BenchWebviewMessage, { type: 'requestComparison' }>;
    assert.equal(request.runPath, savedEarlier);
    await post({ type: 'comparisonResult', requestId: request.requestId, comparison: compareReports(earlier, report, { before: savedEarlier, after: savedNow }) });
    await page.waitForSelector('text=Before:');
    assert.match((await page.textContent('body'))!, /p50\s*[\d.]+ ms\s*[\d.]+ ms\s*[+-][\d.]+%/);
    const violations = await page.evaluate(() => (window as unknown as { __violations: string[] }).__violations);
    assert.deepEqual(violations, []);
  });

  it('ignores messages that are not of the protocol', async () => {
    const before = await page.textContent('h1');
    await page.evaluate(() => window.postMessage({ type: 'init', report: { format: 2 } }, '*'));
    await page.evaluate(() => window.postMessage('<img src=x onerror=alert(1)>', '*'));
    assert.equal(await page.textContent('h1'), before);
  });
});
