/**
 * The extension's commands: ids and titles, declared once. package.json's
 * `contributes.commands` must list exactly these (test/manifest.test.ts).
 */
export const Commands = {
  openRuleDocs: { id: 'mlHygiene.openRuleDocs', title: 'Open Rule Documentation' },
  showOutput: { id: 'mlHygiene.showOutput', title: 'Show Output' },
  restartServer: { id: 'mlHygiene.restartServer', title: 'Restart Language Server' },
  showModelText: { id: 'mlHygiene.showModelText', title: 'Show Model as Text' },
  compareModels: { id: 'mlHygiene.compareModels', title: 'Compare Models' },
  benchmarkModel: { id: 'mlHygiene.benchmarkModel', title: 'Benchmark Model' },
  profileModel: { id: 'mlHygiene.profileModel', title: 'Profile Model' },
  showInGraph: { id: 'mlHygiene.showInGraph', title: 'Show in Graph' },
} as const;

export type CommandId = (typeof Commands)[keyof typeof Commands]['id'];

/** Category shown before every title in the command palette. */
export const COMMAND_CATEGORY = 'ML Hygiene';
