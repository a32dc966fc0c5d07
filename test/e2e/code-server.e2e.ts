/**
 * The end-to-end scenarios in code-server, driven from headless chromium. Run by
 * `npm run test:e2e` (scripts/e2e-run.sh), which installs code-server, packages the
 * .vsix and passes both here; screenshots and logs go to test-results/e2e/.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CodeServerDriver } from './code-server/driver';
import { startCodeServer, type CodeServer } from './code-server/server';
import type { ExtensionManifest } from './driver';
import { scenarios } from './scenarios';
import { copyExamples, REPO } from './workspace';

const RESULTS = path.join(REPO, 'test-results', 'e2e');

describe(`VS Code end to end (code-server, ${process.env.ML_HYGIENE_VSIX ?? 'dist/ml-hygiene.vsix'})`, function () {
  let server: CodeServer | undefined;
  let driver: CodeServerDriver | undefined;
  let manifest: ExtensionManifest;
  let workspace: string;

  before(async function () {
    this.timeout(180_000);
    const bin = process.env.ML_HYGIENE_CODE_SERVER;
    const vsix = process.env.ML_HYGIENE_VSIX ?? path.join(REPO, 'dist', 'ml-hygiene.vsix');
    if (!bin) throw new Error('ML_HYGIENE_CODE_SERVER is not set: run these tests with `npm run test:e2e`');
    if (!fs.existsSync(vsix)) throw new Error(`${vsix} does not exist: run \`npm run package\` first (npm run test:e2e does)`);
    fs.rmSync(RESULTS, { recursive: true, force: true });
    workspace = copyExamples();
    server = await startCodeServer({ bin, vsix, workspace, resultsDir: RESULTS });
    driver = await CodeServerDriver.open(server, workspace, RESULTS);
    manifest = await driver.manifest();
  });

  after(async function () {
    this.timeout(30_000);
    await driver?.close();
    await server?.stop();
    if (workspace) fs.rmSync(path.dirname(workspace), { recursive: true, force: true });
  });

  afterEach(async function () {
    // A failed scenario leaves a picture of the window as it was.
    if (this.currentTest?.state === 'failed' && driver) {
      const name = `failed-${this.currentTest.title.replace(/[^a-z0-9]+/gi, '-').slice(0, 60)}`;
      await driver.screenshot(name).catch(() => undefined);
    }
  });

  for (const s of scenarios) {
    it(s.title, async function () {
      const reason = s.pending?.(manifest, driver!);
      if (reason) {
        // The spec reporter prints the title of a pending test: carry the reason in it.
        this.test!.title += ` (pending: ${reason})`;
        this.skip();
      }
      await s.run(driver!);
    });
  }
});
