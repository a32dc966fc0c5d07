/**
 * Keeps package.json (the extension manifest) in step with the code: commands,
 * settings and their defaults, activation events, and the files a .vsix ships.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { COMMAND_CATEGORY, Commands } from '../protocol/commands';
import { DEFAULT_SETTINGS, SETTINGS_SECTION } from '../protocol/settings';

const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'package.json'), 'utf8'));

describe('extension manifest', () => {
  it('contributes exactly the commands of protocol/commands.ts', () => {
    const declared = Object.values(Commands).map((c) => ({ command: c.id, title: c.title, category: COMMAND_CATEGORY }));
    const contributed = pkg.contributes.commands.map((c: Record<string, string>) => ({ command: c.command, title: c.title, category: c.category }));
    assert.deepEqual(contributed.filter((c: { command: string }) => declared.some((d) => d.command === c.command)), declared);
    for (const c of contributed) assert.ok(declared.some((d) => d.command === c.command), `${c.command} is in package.json but not in protocol/commands.ts`);
  });

  it('declares every setting with the same default as protocol/settings.ts, plus trace.server', () => {
    const props = pkg.contributes.configuration.properties as Record<string, { default: unknown; scope?: string }>;
    for (const [key, value] of Object.entries(DEFAULT_SETTINGS)) {
      const prop = props[`${SETTINGS_SECTION}.${key}`];
      assert.ok(prop, `${SETTINGS_SECTION}.${key} missing from package.json`);
      assert.deepEqual(prop.default, value, `default of ${key}`);
      assert.ok(prop.scope, `${key} needs an explicit scope`);
    }
    assert.ok(props[`${SETTINGS_SECTION}.trace.server`]);
    const known = new Set([...Object.keys(DEFAULT_SETTINGS).map((k) => `${SETTINGS_SECTION}.${k}`), `${SETTINGS_SECTION}.trace.server`]);
    for (const key of Object.keys(props)) assert.ok(known.has(key), `${key} is in package.json but not in protocol/settings.ts`);
  });

  it('never activates on *, and ships only built files and docs', () => {
    assert.ok(!pkg.activationEvents.includes('*'));
    assert.ok(pkg.activationEvents.includes('onLanguage:python'));
    for (const f of pkg.files) assert.ok(!/^(server|client|test|rules)\//.test(f), `${f}: sources and fixtures stay out of the .vsix`);
  });

  it('keeps onnxruntime-node from downloading at install time', () => {
    const npmrc = fs.readFileSync(path.join(__dirname, '..', '.npmrc'), 'utf8');
    assert.match(npmrc, /^onnxruntime-node-install=skip$/m);
  });
});
