import { defineRule } from '../../../server/src/engine/rule';

export default defineRule({
  target: 'engine',
  meta: {
    id: 'MLH003',
    name: 'syntax-error',
    family: 'MLH',
    severity: 'info',
    practice: 'P7',
    languages: ['python'],
    summary: 'The file does not parse; the parts that do were still linted.',
    fix: 'none',
    docs: {
      what: 'Reports the first syntax error of a Python file. The parser recovers from errors, so every statement that parses is still checked by every rule.',
      why: 'Findings near a syntax error may be missing or imprecise until it is fixed; saying so keeps the results honest.',
      example: 'import pickle\nmodel = pickle.load(open("m.pkl", "rb")\n',
      useInstead: 'import pickle\nmodel = pickle.load(open("m.pkl", "rb"))\n',
    },
  },
});
