import { defineRule } from '../../../server/src/engine/rule';

export default defineRule({
  target: 'engine',
  meta: {
    id: 'MLH001',
    name: 'invalid-config',
    family: 'MLH',
    severity: 'error',
    practice: 'P2',
    languages: ['config'],
    summary: 'The ML Hygiene configuration cannot be read; the defaults apply until it is fixed.',
    fix: 'none',
    docs: {
      what: 'Reports a `.ml-hygiene.yaml` or `[tool.ml-hygiene]` table in `pyproject.toml` that is not valid: a syntax error, an unknown key, an unknown rule id, or a value of the wrong type.',
      why: 'A configuration that is silently ignored makes the linter run with settings nobody chose. Every problem is reported on the configuration file itself, and the defaults apply until it is fixed, so no file goes unlinted.',
      example: '# .ml-hygiene.yaml\nselect: [SER, RNGG]\nseverity:\n  SER004: fatal\n',
      useInstead: '# .ml-hygiene.yaml\nselect: [SER, RNG]\nseverity:\n  SER004: error\n',
      references: ['docs/configuration.md'],
    },
  },
});
