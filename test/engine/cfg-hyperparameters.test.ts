/** The literal-hyperparameter analysis behind CFG001, CFG004 and the extract-to-config fix. */
import { strict as assert } from 'node:assert';
import { grammarParser } from '../../server/src/engine/parser';
import { findHyperparameters, isTestFile, keyFromName, trainingEvidence } from '../../server/src/engine/python/hyperparameters';
import { PythonModule } from '../../server/src/engine/python/module';

async function analyse(source: string, file = '/p/train.py') {
  const module = PythonModule.parse(await grammarParser('python'), source);
  try {
    return {
      training: trainingEvidence(module)?.text.split('(')[0],
      found: findHyperparameters(module, file).map((h) => `${h.kind}:${h.key}=${h.node.text}`),
    };
  } finally {
    module.dispose();
  }
}

describe('hyperparameter analysis', () => {
  it('needs a training library and a training call', async () => {
    assert.deepEqual(await analyse('import torch\nopt = torch.optim.SGD(p, lr=0.1)\n'), { training: undefined, found: [] });
    assert.deepEqual(await analyse('import numpy as np\nm.fit(x, epochs=3)\n'), { training: undefined, found: [] });
    assert.equal((await analyse('import torch\nloss.backward()\n')).training, 'loss.backward');
    assert.equal((await analyse('import torch\noptimizer.step()\n')).training, 'optimizer.step');
    assert.equal((await analyse('import torch\nscheduler.step()\n')).training, undefined);
    assert.equal((await analyse('import xgboost as xgb\nxgb.train(params, d)\n')).training, 'xgb.train');
    assert.equal((await analyse('from transformers import Trainer\nTrainer(model=m)\n')).training, 'Trainer');
  });

  it('counts training inside functions only when the file runs as a program', async () => {
    const lib = 'import torch\ndef register():\n    return lambda f: f\ndef fit(model, opt):\n    loss.backward()\n    opt.step()\n\n@register()\ndef other():\n    pass\n';
    assert.equal((await analyse(lib)).training, undefined);
    assert.equal((await analyse(lib + 'if __name__ == "__main__":\n    fit(m, o)\n')).training, 'loss.backward');
    assert.equal((await analyse(lib + 'fit(m, o)\n')).training, 'loss.backward');
  });

  it('finds literals through names bound once, never through parameters, loops or config lookups', async () => {
    const { found } = await analyse(
      [
        'import torch',
        'LR = 0.1',
        'lr2 = 0.2',
        'lr2 = 0.3',
        'def f(lr=0.5):',
        '    torch.optim.SGD(p, lr=lr)',
        'for lr3 in [0.1, 0.01]:',
        '    torch.optim.SGD(p, lr=lr3)',
        'torch.optim.SGD(p, lr=LR)',
        'torch.optim.SGD(p, lr=lr2)',
        'torch.optim.SGD(p, lr=cfg["lr"], momentum=args.momentum, weight_decay=float(os.environ["WD"]))',
        'loss.backward()',
      ].join('\n'),
    );
    assert.deepEqual(found, ['constant:lr=0.1']);
  });

  it('leaves seeds, resources, logging, shapes, evaluation batch sizes and config objects alone', async () => {
    const { found } = await analyse(
      [
        'import torch',
        'from torch import nn',
        'from torch.utils.data import DataLoader',
        'from sklearn.ensemble import RandomForestClassifier',
        'nn.Linear(784, 10)',
        'nn.Conv2d(3, 64, kernel_size=3, stride=1, padding=1)',
        'RandomForestClassifier(random_state=0, n_jobs=-1, verbose=1)',
        'DataLoader(train_set, num_workers=8, pin_memory=True)',
        'test_loader = DataLoader(test_set, batch_size=1000)',
        'DataLoader(val_data, batch_size=256)',
        'model.predict(x, batch_size=512)',
        'hp = dict(lr=0.1, epochs=5)',
        'cfg = TrainConfig(lr=0.1, epochs=5)',
        'x.mean(axis=1).reshape(-1, 1)',
        'torch.cat([a, b], dim=-1)',
        'plt.plot(x, y, alpha=0.5, lw=2)',
        'for i in range(len(x)):',
        '    loss.backward()',
      ].join('\n'),
    );
    assert.deepEqual(found, []);
  });

  it('reports the outermost training loop, with the count and the offset of range(1, n + 1)', async () => {
    const { found } = await analyse(
      ['import torch', 'for epoch in range(1, 11):', '    for i in range(100):', '        opt.step()', 'for k in range(3):', '    print(k)'].join('\n'),
    );
    assert.deepEqual(found, ['loop:epochs=11']);
  });

  it('tells test files apart and derives config keys from names', () => {
    assert.ok(isTestFile('/p/tests/test_model.py'));
    assert.ok(isTestFile('/p/model_test.py'));
    assert.ok(isTestFile('/p/tests/helpers.py'));
    assert.ok(isTestFile('/p/conftest.py'));
    assert.ok(!isTestFile('/p/test/project/src/train.py'));
    assert.ok(!isTestFile('/p/train.py'));
    assert.equal(keyFromName('EPOCHS'), 'epochs');
    assert.equal(keyFromName('numEpochs'), 'num_epochs');
    assert.equal(keyFromName('_LR_'), 'lr');
  });

  it('skips test files even when they train', async () => {
    const source = 'from sklearn.svm import SVC\nSVC(C=10.0).fit(X, y)\n';
    assert.deepEqual((await analyse(source, '/p/tests/test_svc.py')).found, []);
    assert.deepEqual((await analyse(source, '/p/train.py')).found, ['argument:C=10.0']);
  });
});
