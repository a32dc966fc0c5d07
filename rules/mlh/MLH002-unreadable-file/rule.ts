import { defineRule } from '../../../server/src/engine/rule';

export default defineRule({
  target: 'engine',
  meta: {
    id: 'MLH002',
    name: 'unreadable-file',
    family: 'MLH',
    severity: 'error',
    practice: 'P1',
    languages: ['python', 'pickle', 'onnx'],
    summary: 'A file could not be read or decoded, so it was linted partly or not at all.',
    fix: 'none',
    docs: {
      what: 'Reports a file that the linter could not read as it should: a permission error, a binary file with a `.py` name, invalid UTF-8 (linted with replacement characters), or an internal error of one rule on that file.',
      why: 'A file that is skipped without a word looks clean. Saying which file was not linted, and why, keeps "no findings" meaningful.',
      example: '$ ml-hygiene lint weights.py   # a binary file named .py\nweights.py:1:1: MLH002 not a text file: NUL byte at offset 12; the file was not linted',
      useInstead: 'Rename binary files to their real extension, save sources as UTF-8, and make them readable.',
    },
  },
});
