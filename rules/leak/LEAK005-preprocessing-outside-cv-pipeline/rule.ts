import { PREPROCESSING } from '../../../server/src/engine/dataflow/graph';
import { nodeRange } from '../../../server/src/engine/lint';
import { defineRule } from '../../../server/src/engine/rule';
import { LEAK_REQUIRES, LEARNS, dataflowOf, fitName, fitPhrase, mergeStatistics, pipelineFix, short } from '../shared';

export default defineRule({
  target: 'python',
  requires: LEAK_REQUIRES,
  meta: {
    id: 'LEAK005',
    name: 'preprocessing-outside-cv-pipeline',
    family: 'LEAK',
    severity: 'warning',
    practice: 'P5',
    languages: ['python'],
    summary: 'Cross-validation or a hyperparameter search runs over data that was preprocessed (scaled, imputed, selected, resampled) outside the pipeline',
    provenance: ['Yang et al., "Data Leakage in Notebooks: Static Detection and Better Processes" (ASE 2022)', 'scikit-learn common pitfalls: data leakage during pre-processing'],
    fix: 'unsafe',
    docs: {
      what:
        "Finds `cross_val_score`, `cross_validate`, `cross_val_predict`, `learning_curve`, `validation_curve`, `permutation_test_score` and `GridSearchCV`/`RandomizedSearchCV` `fit` calls whose data was produced by preprocessing fitted on the same rows beforehand (scalers, imputers, encoders, decompositions, vectorizers, hand-written statistics, feature selectors, samplers), followed by the dataflow analysis. The fix moves the preprocessing into a `make_pipeline` with the model when the data is the direct output of one `fit_transform`.",
      why:
        "Cross-validation estimates performance on unseen data by holding out each fold in turn. Preprocessing fitted on all the rows before it has already seen every validation fold (their means, categories, selected features, synthetic neighbours), so the CV score is optimistic and hyperparameters chosen by it are biased. In a `Pipeline` the preprocessing is refitted on the training folds of each split.",
      example:
        'from sklearn.linear_model import LogisticRegression\nfrom sklearn.model_selection import cross_val_score\nfrom sklearn.preprocessing import StandardScaler\n\nX_scaled = StandardScaler().fit_transform(X)\nscores = cross_val_score(LogisticRegression(), X_scaled, y, cv=5)\n',
      useInstead:
        'from sklearn.linear_model import LogisticRegression\nfrom sklearn.model_selection import cross_val_score\nfrom sklearn.pipeline import make_pipeline\nfrom sklearn.preprocessing import StandardScaler\n\nscores = cross_val_score(make_pipeline(StandardScaler(), LogisticRegression()), X, y, cv=5)\n',
      references: ['https://scikit-learn.org/stable/common_pitfalls.html#how-to-avoid-data-leakage', 'https://doi.org/10.1145/3551349.3556918'],
    },
  },
  check(ctx) {
    const g = dataflowOf(ctx.module);
    const seen = new Set<string>();
    for (const cv of g.crossVals) {
      const X = cv.inputs[0];
      if (!X) continue;
      const k = `${cv.node.startIndex}`;
      if (seen.has(k)) continue;
      const fits = mergeStatistics(X.fitsReaching().filter((f) => PREPROCESSING.has(f.category) && f.order < cv.order && f.inputs.length && !f.inputs[0].testParts().length && f.inputs[0].sharesRowsWith(X)));
      if (!fits.length) continue;
      seen.add(k);
      const f = fits[0];
      const data = cv.dataNodes[0] ? short(cv.dataNodes[0].text, 40) : X.label;
      const others = fits.length > 1 ? ` (and ${fits.slice(1).map(fitPhrase).join(', ')})` : '';
      const fix = pipelineFix(ctx, cv, f);
      ctx.reportNode(
        cv.node,
        `${cv.what} runs over ${data}, which comes from ${fitPhrase(f)}${others}, outside the cross-validation: every validation fold already shaped the ${LEARNS[f.category]}, so the score is optimistic; put ${f.category === 'statistic' ? 'the preprocessing' : f.what} in a Pipeline with the model${f.category === 'sampler' ? " (imblearn's Pipeline)" : ''}`,
        {
          related: fits.map((o) => ({ range: nodeRange(o.node), message: `${fitName(o)} ${o.category === 'statistic' ? 'see' : 'sees'} every row, validation folds included` })),
          fixes: fix ? [fix] : [],
        },
      );
    }
  },
});
