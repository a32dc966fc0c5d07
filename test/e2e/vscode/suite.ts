/**
 * Entry point that @vscode/test-electron loads into the extension host (bundled to
 * out/e2e-vscode/suite.js by run.ts): runs the scenarios with mocha over VSCodeDriver.
 */
import Mocha from 'mocha';
import { scenarios } from '../scenarios';
import { VSCodeDriver } from './driver';

export function run(): Promise<void> {
  const mocha = new Mocha({ ui: 'bdd', timeout: 180_000, color: true, reporter: 'spec' });
  mocha.suite.emit('pre-require', globalThis, 'scenarios', mocha);
  const suite = Mocha.Suite.create(mocha.suite, 'VS Code end to end (desktop VS Code, @vscode/test-electron)');
  const driver = new VSCodeDriver();
  for (const s of scenarios) {
    suite.addTest(
      new Mocha.Test(s.title, async function (this: Mocha.Context) {
        const reason = s.pending?.(await driver.manifest(), driver);
        if (reason) {
          this.test!.title += ` (pending: ${reason})`;
          this.skip();
        }
        await s.run(driver);
      }),
    );
  }
  return new Promise((resolve, reject) => mocha.run((failures) => (failures ? reject(new Error(`${failures} scenario(s) failed`)) : resolve())));
}
