import * as path from 'node:path';
import type { Node } from 'web-tree-sitter';
import type { Fix, RelatedLocation } from '../../../protocol/findings';
import { nodeRange } from '../../../server/src/engine/lint';
import { defineRule, type PythonContext } from '../../../server/src/engine/rule';
import { buildExtractConfigFix } from '../../../server/src/engine/python/extract-config';
import {
  enclosingFunction,
  findHyperparameters,
  formatValue,
  TRAINING_LIBRARIES,
  type HyperparameterLiteral,
} from '../../../server/src/engine/python/hyperparameters';

function line(node: Node): number {
  return node.startPosition.row + 1;
}

const ADVICE = 'put it in a config file (YAML/JSON) that is saved with every run and read it from there';
const ADVICE_PLURAL = 'put them in a config file (YAML/JSON) that is saved with every run and read them from there';

/** One finding: the literals of one call, one constant, or one training loop. */
interface Group {
  anchor: Node;
  literals: HyperparameterLiteral[];
  message: string;
}

function sourceText(lit: HyperparameterLiteral): string {
  const text = lit.node.text.replace(/\s+/g, ' ');
  return text.length <= 40 ? text : formatValue(lit.value);
}

function describeUse(lit: HyperparameterLiteral, use: Node): string {
  if (lit.callee === 'range') return `the count of the training loop at line ${line(use)}`;
  return `${lit.param} of ${lit.callee} at line ${line(use)}`;
}

function groups(literals: HyperparameterLiteral[]): Group[] {
  const out: Group[] = [];
  const byCall = new Map<number, Group>();
  for (const lit of literals) {
    if (lit.kind === 'constant') {
      const decl = lit.node.parent?.childForFieldName('left')?.text ?? lit.key;
      const uses = lit.uses.map((u) => describeUse(lit, u));
      const shown = uses.length > 3 ? [...uses.slice(0, 3), `${uses.length - 3} more`] : uses;
      out.push({
        anchor: lit.node,
        literals: [lit],
        message: `${decl} = ${sourceText(lit)} is a hyperparameter written in training code (${shown.join('; ')}); ${ADVICE}`,
      });
      continue;
    }
    if (lit.kind === 'loop') {
      const count = lit.value.kind === 'number' ? lit.value.number.value : 0;
      out.push({
        anchor: lit.node,
        literals: [lit],
        message: `the training loop runs a literal ${count} ${lit.param} (\`${lit.call?.node.text ?? 'range'}\`); ${ADVICE}`,
      });
      continue;
    }
    const call = lit.call!;
    const key = call.node.startIndex;
    let g = byCall.get(key);
    if (!g) {
      g = { anchor: call.func, literals: [], message: '' };
      byCall.set(key, g);
      out.push(g);
    }
    g.literals.push(lit);
  }
  for (const g of byCall.values()) {
    const lits = g.literals;
    const list = lits.map((l) => `${l.param}=${sourceText(l)}`).join(', ');
    const callee = lits[0].callee;
    g.message =
      lits.length === 1
        ? `${callee} gets a literal hyperparameter in training code (${list}); ${ADVICE}`
        : `${callee} gets literal hyperparameters in training code (${list}); ${ADVICE_PLURAL}`;
  }
  return out.sort((a, b) => a.anchor.startIndex - b.anchor.startIndex);
}

/** Where a group belongs for the fix: its function, or module-level code. */
function ownerOf(lit: HyperparameterLiteral): Node | undefined {
  return enclosingFunction(lit.node);
}

function ownerName(owner: Node | undefined): string {
  return owner ? `${owner.childForFieldName('name')?.text ?? 'the function'}()` : 'module-level code';
}

export default defineRule({
  target: 'python',
  requires: TRAINING_LIBRARIES,
  meta: {
    id: 'CFG001',
    name: 'hardcoded-hyperparameter',
    family: 'CFG',
    severity: 'info',
    practice: 'P2',
    languages: ['python'],
    summary: 'A hyperparameter (learning rate, epochs, batch size, model size, estimator setting) is a literal in training code.',
    provenance: ['Google "Rules of ML" / MLOps guides: configuration as code kept out of training logic', 'Hydra and MLflow practice of logged configs'],
    fix: 'unsafe',
    docs: {
      what:
        'In training code (a file that imports a training library and trains: `.fit(`, `.backward()`, an optimizer `.step()`, a Hugging Face or Lightning `Trainer`, `xgb.train`), finds numbers (and tuples/lists of numbers) passed as hyperparameters: optimizer and scheduler arguments (`torch.optim.*`, `optax.*`, Keras optimizers and schedules), `DataLoader(batch_size=...)`, Keras `fit(epochs=, batch_size=)`, dropout rates, model-size keywords (`hidden_size=`, `num_layers=`, `d_model=`, `nhead=`, `units=` ...), scikit-learn, XGBoost, LightGBM and CatBoost estimator arguments, `TrainingArguments`, Lightning `Trainer(max_epochs=...)`, hyperparameter-named keywords (`lr=`, `epochs=`, `batch_size=` ...) passed to the project\'s own functions, and `for epoch in range(50):` loops that train. A name bound once to a literal (`EPOCHS = 50`) is reported once, at its definition. Not reported: values from a config object, argparse, the environment or a file; seeds (`random_state`, the RNG rules\' business), resources (`n_jobs`, `num_workers`), `verbose`; positional layer sizes such as `nn.Linear(784, 10)` (tied to the data); categorical choices (`kernel="rbf"`) and booleans; batch sizes of prediction and evaluation; literals inside config objects built in code (`dict(...)`, a `*Config` class); defaults in function signatures; test files. The quick fix moves the literals of the function (or of the whole file) to `config.yaml` next to the script (created, or merged keeping its keys and comments), adds the loading code and replaces each literal with a lookup, in one edit; when `config.yaml` is not valid YAML the fix is offered disabled with the reason and nothing is written.',
      why:
        'A hyperparameter that lives only in code is lost as soon as the code changes: nobody can say which learning rate produced last month\'s model, and comparing runs means diffing scripts. Kept in a config file that is saved with each run (and logged to the experiment tracker), every model can be traced to its settings, runs can be repeated, and sweeps change a file instead of the code.',
      example:
        'import torch\nfrom torch.utils.data import DataLoader\n\nmodel = torch.nn.Linear(10, 1)\noptimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)\nloader = DataLoader(dataset, batch_size=64, shuffle=True)\nfor epoch in range(20):\n    for x, y in loader:\n        optimizer.zero_grad()\n        torch.nn.functional.mse_loss(model(x), y).backward()\n        optimizer.step()\n',
      useInstead:
        'from pathlib import Path\n\nimport torch\nimport yaml\nfrom torch.utils.data import DataLoader\n\nwith open(Path(__file__).with_name("config.yaml")) as f:\n    config = yaml.safe_load(f)\n\nmodel = torch.nn.Linear(10, 1)\noptimizer = torch.optim.SGD(model.parameters(), lr=config["lr"], momentum=config["momentum"])\nloader = DataLoader(dataset, batch_size=config["batch_size"], shuffle=True)\nfor epoch in range(config["epochs"]):\n    for x, y in loader:\n        optimizer.zero_grad()\n        torch.nn.functional.mse_loss(model(x), y).backward()\n        optimizer.step()\n',
      references: [
        'https://developers.google.com/machine-learning/guides/rules-of-ml',
        'https://hydra.cc/docs/intro/',
        'https://mlflow.org/docs/latest/tracking.html',
        'https://pyyaml.org/wiki/PyYAMLDocumentation',
      ],
    },
  },
  check(ctx) {
    const literals = findHyperparameters(ctx.module, ctx.path);
    if (!literals.length) return;
    const fixCache = new Map<string, ReturnType<typeof buildExtractConfigFix>>();
    const fixFor = (key: string, lits: HyperparameterLiteral[], title: string) => {
      let r = fixCache.get(key);
      if (!r) {
        r = buildExtractConfigFix({ module: ctx.module, file: ctx.path, literals: lits, title, root: ctx.project.root });
        fixCache.set(key, r);
      }
      return r;
    };
    const file = path.basename(ctx.path);
    for (const g of groups(literals)) {
      const owner = ownerOf(g.literals[0]);
      const ownerKey = owner ? String(owner.startIndex) : 'module';
      const scoped = literals.filter((l) => (ownerOf(l)?.startIndex ?? -1) === (owner?.startIndex ?? -1));
      const fixes: Fix[] = [];
      const related: RelatedLocation[] = [];
      let note = '';
      const scopedTitle = `Extract the ${scoped.length} hyperparameter${scoped.length === 1 ? '' : 's'} of ${ownerName(owner)} to config.yaml`;
      const scopedResult = fixFor(ownerKey, scoped, scopedTitle);
      if ('fix' in scopedResult) fixes.push(scopedResult.fix);
      else {
        note = `; the "extract to config" quick fix is not offered: ${scopedResult.problem}`;
        related.push(...scopedResult.related);
        // Offered disabled, so that the editor says why when someone reaches for it.
        fixes.push({ title: scopedTitle, safety: 'unsafe', edits: [], disabled: scopedResult.problem });
      }
      if ('fix' in scopedResult && scoped.length < literals.length) {
        const all = fixFor('all', literals, `Extract all ${literals.length} hyperparameters of ${file} to config.yaml`);
        if ('fix' in all) fixes.push(all.fix);
      }
      for (const lit of g.literals) {
        if (lit.kind === 'argument' && g.literals.length > 1)
          related.push({ range: nodeRange(lit.node), message: `${lit.param}=${sourceText(lit)}` });
      }
      report(ctx, g, note, fixes, related);
    }
  },
});

function report(ctx: PythonContext, g: Group, note: string, fixes: Fix[], related: RelatedLocation[]): void {
  ctx.reportNode(g.anchor, g.message + note, { fixes, related });
}
