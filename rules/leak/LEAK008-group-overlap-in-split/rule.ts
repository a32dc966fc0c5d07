import type { Node } from 'web-tree-sitter';
import type { ColumnUse, Value } from '../../../server/src/engine/dataflow/graph';
import { nodeRange } from '../../../server/src/engine/lint';
import { defineRule } from '../../../server/src/engine/rule';
import { LEAK_REQUIRES, dataflowOf, isEvaluationSplit, line, short } from '../shared';

/** Column names that identify a group of rows from one source. */
const GROUP_COLUMN = /^(patient|subject|user|session|customer|participant|person|individual|household|family|player|driver|speaker|author|device|donor|animal|mouse|site|hospital|clinic|school|store|group)s?(_?(id|ids|no|num|number|name|key|code|idx))?$/i;

export default defineRule({
  target: 'python',
  requires: LEAK_REQUIRES,
  meta: {
    id: 'LEAK008',
    name: 'group-overlap-in-split',
    family: 'LEAK',
    severity: 'warning',
    practice: 'P5',
    languages: ['python'],
    summary: 'Data with a group column (patient, user, session, ...) is split row by row, so one group can land on both sides of the split',
    provenance: ['Kapoor & Narayanan, "Leakage and the Reproducibility Crisis in ML-based Science" (2023): non-independence between train and test', 'Yang et al. (ASE 2022): overlap leakage'],
    fix: 'none',
    docs: {
      what:
        "Finds `train_test_split`, splitters that are not group-aware (`KFold`, `ShuffleSplit`, ...) and cross-validation without `groups=` over data whose code names a group column (`patient_id`, `user_id`, `session`, `subject`, `customer_id`, ...: a subscript, `drop`, `groupby` or `set_index` on the same rows), followed by the dataflow analysis. Not reported when the split is group-aware (`GroupKFold`, `GroupShuffleSplit`, `StratifiedGroupKFold`, `LeaveOneGroupOut`, or a `groups=` argument).",
      why:
        'Rows of one patient, user or session are alike. A row-by-row split puts some of them in training and the rest in the test part: the model recognises the group instead of generalising, and the score is optimistic for new patients or users. Split by group so that each group is on one side only.',
      example:
        'import pandas as pd\nfrom sklearn.ensemble import RandomForestClassifier\nfrom sklearn.model_selection import train_test_split\n\ndf = pd.read_csv("visits.csv")\nX = df.drop(columns=["patient_id", "label"])\ny = df["label"]\nX_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)\nprint(RandomForestClassifier(random_state=0).fit(X_train, y_train).score(X_test, y_test))\n',
      useInstead:
        'import pandas as pd\nfrom sklearn.ensemble import RandomForestClassifier\nfrom sklearn.model_selection import GroupShuffleSplit\n\ndf = pd.read_csv("visits.csv")\nX = df.drop(columns=["patient_id", "label"])\ny = df["label"]\ntrain_idx, test_idx = next(GroupShuffleSplit(test_size=0.25, random_state=0).split(X, y, groups=df["patient_id"]))\nmodel = RandomForestClassifier(random_state=0).fit(X.iloc[train_idx], y.iloc[train_idx])\nprint(model.score(X.iloc[test_idx], y.iloc[test_idx]))\n',
      references: ['https://scikit-learn.org/stable/modules/cross_validation.html#group-k-fold', 'https://doi.org/10.1016/j.patter.2023.100804'],
    },
  },
  check(ctx) {
    const g = dataflowOf(ctx.module);
    const groupCols = g.columns.filter((c) => GROUP_COLUMN.test(c.name));
    if (!groupCols.length) return;
    const seen = new Set<string>();
    const check = (node: Node, what: string, inputs: Value[], labels: string[]) => {
      for (let i = 0; i < inputs.length; i++) {
        const col: ColumnUse | undefined = groupCols.find((c) => c.value.sharesRowsWith(inputs[i]));
        if (!col) continue;
        const k = `${node.startIndex}`;
        if (seen.has(k)) return;
        seen.add(k);
        ctx.reportNode(
          node,
          `${what} splits the rows of ${labels[i] ?? 'the data'} one by one, but the data has a group column '${col.name}' (line ${line(col.node)}): rows of one ${col.name.replace(/_?(id|ids|no|num|number|name|key|code|idx)$/i, '') || 'group'} can land in both training and test, so the model is scored on groups it has seen; split by group (GroupShuffleSplit, GroupKFold with groups=${short(col.name, 30)})`,
          { related: [{ range: nodeRange(col.node), message: `the group column '${col.name}'` }] },
        );
        return;
      }
    };
    for (const s of g.splits) if (!s.grouped && isEvaluationSplit(g, s)) check(s.node, s.splitter, s.inputs.slice(0, 1), s.inputLabels);
    for (const cv of g.crossVals) if (!cv.grouped && cv.what !== 'learning_curve') check(cv.node, cv.what, cv.inputs.slice(0, 1), cv.dataNodes.map((n) => short(n.text, 40)));
  },
});
