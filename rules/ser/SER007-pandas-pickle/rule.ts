import { defineRule } from '../../../server/src/engine/rule';

const INSTEAD = 'store DataFrames as Parquet (to_parquet/read_parquet) or Feather instead';

export default defineRule({
  target: 'python',
  requires: ['pandas'],
  meta: {
    id: 'SER007',
    name: 'pandas-pickle',
    family: 'SER',
    // Writing is a warning; `read_pickle` runs the file's code now, so those findings are raised to error.
    severity: 'warning',
    practice: 'P1',
    languages: ['python'],
    summary: 'pandas read_pickle/to_pickle store data as pickles; reading one runs code from the file.',
    provenance: ['ruff S301 (pandas.read_pickle)', 'Semgrep trailofbits.python.pickles-in-pandas.pickles-in-pandas'],
    fix: 'none',
    docs: {
      what:
        'Finds `pandas.read_pickle` (reported as an error: it unpickles now) and `pandas.to_pickle` (a warning), through aliases and `pandas.io.pickle`, and `.to_pickle(...)` method calls on any object in a file that imports pandas: a DataFrame or Series is rarely typed, so the receiver is not checked, except that calls resolving to another library and `self.to_pickle(...)` in a file that defines its own `to_pickle` are left alone. (Per-finding severities win over a configured SER007 severity; set SER007 to "off" to silence both.)',
      why:
        '`to_pickle` writes a pickle: `read_pickle` imports and calls whatever the file names, so a data file shared between jobs or people can run code, and it may not load under another pandas version. Parquet and Feather hold typed columns only, load faster and are read by every data tool.',
      example: 'import pandas as pd\n\ndf = pd.read_pickle("features.pkl")\ndf.to_pickle("features.pkl")\n',
      useInstead: 'import pandas as pd\n\ndf = pd.read_parquet("features.parquet")\ndf.to_parquet("features.parquet")\n',
      references: [
        'https://pandas.pydata.org/docs/reference/api/pandas.read_pickle.html',
        'https://pandas.pydata.org/docs/user_guide/io.html#io-parquet',
      ],
    },
  },
  check(ctx) {
    const m = ctx.module;
    for (const call of m.callsTo('pandas.read_pickle')) {
      ctx.reportNode(call.node, `pandas.read_pickle unpickles the file, running any code it names; ${INSTEAD}`, { severity: 'error' });
    }
    for (const call of m.callsTo('pandas.to_pickle')) {
      ctx.reportNode(call.node, `pandas.to_pickle writes a pickle, which runs code from the file when read back and may not load under another pandas version; ${INSTEAD}`);
    }
    const ownToPickle = m.moduleScope.bindings.has('to_pickle') || m.scopes.some((s) => s.bindings.get('to_pickle')?.some((b) => b.kind === 'def'));
    for (const call of m.calls) {
      if (call.func.type !== 'attribute') continue;
      const attr = call.func.childForFieldName('attribute');
      const receiver = call.func.childForFieldName('object');
      if (attr?.text !== 'to_pickle' || !receiver) continue;
      // `pd.to_pickle` was reported above; another library's `to_pickle` is not pandas'.
      const callee = call.callee;
      if (callee !== undefined && !/\(\)\.to_pickle$/.test(callee)) continue;
      if (callee !== undefined && !callee.startsWith('pandas.')) continue;
      if (ownToPickle && (receiver.text === 'self' || receiver.text === 'cls')) continue;
      ctx.reportNode(
        call.node,
        `${receiver.text.length <= 30 ? receiver.text : 'the object'}.to_pickle writes a pickle (DataFrame.to_pickle), which runs code from the file when read back and may not load under another pandas version; ${INSTEAD}`,
      );
    }
  },
});
