import type { Node } from 'web-tree-sitter';
import type { Fix } from '../../../protocol/findings';
import { nodeRange } from '../../../server/src/engine/lint';
import { defineRule } from '../../../server/src/engine/rule';
import { LEAK_REQUIRES, dataflowOf, isEvaluationSplit, line, short } from '../shared';

/** `train_test_split(X, y)` -> `train_test_split(X, y, shuffle=False)`. */
function noShuffleFix(call: Node): Fix | undefined {
  const args = call.childForFieldName('arguments');
  if (!args || args.type !== 'argument_list' || args.namedChildren.some((c) => c?.type === 'keyword_argument' && c.childForFieldName('name')?.text === 'shuffle')) return undefined;
  const close = args.lastChild;
  if (close?.type !== ')') return undefined;
  const items = args.namedChildren.filter((c) => c && c.type !== 'comment');
  const lastItem = items[items.length - 1];
  if (!lastItem) return undefined;
  const trailingComma = args.children.some((c) => c?.type === ',' && c.startIndex > lastItem.endIndex);
  const at = nodeRange(lastItem).end;
  const text = trailingComma ? '' : ', shuffle=False';
  if (trailingComma) return undefined;
  return { title: 'Split without shuffling (shuffle=False): rows must be sorted by time', safety: 'unsafe', edits: [{ range: { start: at, end: at }, newText: text }] };
}

export default defineRule({
  target: 'python',
  requires: LEAK_REQUIRES,
  meta: {
    id: 'LEAK006',
    name: 'shuffled-split-of-time-series',
    family: 'LEAK',
    severity: 'warning',
    practice: 'P5',
    languages: ['python'],
    summary: 'Time-ordered data (parsed dates, a DatetimeIndex, sorted by time, lag features) is split with a shuffled random split',
    provenance: ['Kapoor & Narayanan, "Leakage and the Reproducibility Crisis in ML-based Science" (2023): temporal leakage'],
    fix: 'unsafe',
    docs: {
      what:
        "Finds `train_test_split` (without `shuffle=False`), shuffled splitters (`KFold(shuffle=True)`, `ShuffleSplit`, `StratifiedShuffleSplit`, ...) and cross-validation or searches with them, over data the dataflow analysis knows to be ordered in time: read with `parse_dates`, converted with `pd.to_datetime`, indexed by `pd.date_range`/a date column, sorted by a date or time column, or given lag features (`shift`, `rolling`, `diff`, `pct_change`, `ewm`, `expanding`, `resample`).",
      why:
        'A shuffled split puts rows from after the test rows into training: a forecasting model learns from the future of what it is tested on (and lag features computed over the whole series carry test values into training rows), so the score is optimistic and does not hold when the model predicts the real future. Split by time: a cut at a date, `shuffle=False` on time-sorted rows, or `TimeSeriesSplit` for cross-validation.',
      example:
        'import pandas as pd\nfrom sklearn.ensemble import RandomForestRegressor\nfrom sklearn.model_selection import train_test_split\n\ndf = pd.read_csv("sales.csv", parse_dates=["date"]).sort_values("date")\ndf["lag_1"] = df["sales"].shift(1)\nX, y = df[["lag_1"]].fillna(0), df["sales"]\nX_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)\nprint(RandomForestRegressor(random_state=0).fit(X_train, y_train).score(X_test, y_test))\n',
      useInstead:
        'import pandas as pd\nfrom sklearn.ensemble import RandomForestRegressor\nfrom sklearn.model_selection import train_test_split\n\ndf = pd.read_csv("sales.csv", parse_dates=["date"]).sort_values("date")\ndf["lag_1"] = df["sales"].shift(1)\nX, y = df[["lag_1"]].fillna(0), df["sales"]\nX_train, X_test, y_train, y_test = train_test_split(X, y, shuffle=False)\nprint(RandomForestRegressor(random_state=0).fit(X_train, y_train).score(X_test, y_test))\n',
      references: ['https://scikit-learn.org/stable/modules/cross_validation.html#time-series-split', 'https://doi.org/10.1016/j.patter.2023.100804'],
    },
  },
  check(ctx) {
    const g = dataflowOf(ctx.module);
    const seen = new Set<string>();
    const report = (node: Node, what: string, data: string, ev: { node: Node; why: string }, fix?: Fix) => {
      const k = `${node.startIndex}`;
      if (seen.has(k)) return;
      seen.add(k);
      ctx.reportNode(
        node,
        `${what} shuffles the rows of ${data}, which are ordered in time (${ev.why} at line ${line(ev.node)}): the model trains on rows from after the ones it is tested on, so the score is optimistic for predicting the future; split by time (a cut at a date, shuffle=False on time-sorted rows) or use TimeSeriesSplit`,
        { related: [{ range: nodeRange(ev.node), message: `the rows are ordered in time here (${ev.why})` }], fixes: fix ? [fix] : [] },
      );
    };
    for (const s of g.splits) {
      if (!s.shuffled || !isEvaluationSplit(g, s)) continue;
      const i = s.inputs.findIndex((u) => u.timeEvidence());
      if (i < 0) continue;
      report(s.node, s.splitter, s.inputLabels[i], s.inputs[i].timeEvidence()!, s.splitter === 'train_test_split' ? noShuffleFix(s.node) : undefined);
    }
    for (const cv of g.crossVals) {
      const X = cv.inputs[0];
      const ev = X?.timeEvidence();
      if (!cv.shuffled || !ev) continue;
      report(cv.node, `${cv.what} with a shuffled splitter`, cv.dataNodes[0] ? short(cv.dataNodes[0].text, 40) : X.label, ev);
    }
  },
});
