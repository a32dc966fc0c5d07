import { cleanModel, modelWith, type RuleFixtures } from '../fixture';

export const fixtures: RuleFixtures = {
  valid: [
    { name: 'commit-and-config', why: 'git_commit and training_config trace the file to code and config.', model: cleanModel(), expect: [] },
    {
      name: 'revision-and-run-id',
      why: 'Other common spellings: a source revision and an experiment-tracker run id.',
      model: modelWith((m) => { m.metadataProps = [{ key: 'source_revision', value: 'abc' }, { key: 'mlflow_run_id', value: '42' }]; }),
      expect: [],
    },
  ],
  invalid: [
    {
      name: 'no-metadata',
      why: 'torch.onnx.export writes no metadata_props by default.',
      model: modelWith((m) => { delete m.metadataProps; }),
      expect: ['code revision', 'config or training run'],
    },
    {
      name: 'commit-only',
      why: 'The commit alone does not say which config of that code was trained.',
      model: modelWith((m) => { m.metadataProps = [{ key: 'git_commit', value: 'abc' }]; }),
      expect: ["config or training run that produced the model, e.g. 'training_config' or 'run_id' (metadata_props has: git_commit)"],
    },
    {
      name: 'empty-values',
      why: 'A key with an empty value traces nothing.',
      model: modelWith((m) => { m.metadataProps = [{ key: 'git_commit', value: '' }, { key: 'config', value: ' ' }]; }),
      expect: ['code revision', 'config or training run'],
    },
  ],
};
