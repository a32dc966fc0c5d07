import { defineRule } from '../../../server/src/engine/rule';
import { reportGroups } from '../shared';

export default defineRule({
  target: 'python',
  requires: ['torch'],
  meta: {
    id: 'RNG004',
    name: 'unseeded-torch-rng',
    family: 'RNG',
    severity: 'warning',
    practice: 'P4',
    languages: ['python'],
    summary: "PyTorch's global RNG (sampling, weight initialization, DataLoader shuffling) is used before anything in the file seeds it.",
    provenance: ['dslinter randomness-control-pytorch, randomness-control-dataloader-pytorch', 'Amazon CodeGuru python/pytorch-control-sources-of-randomness', 'Zhang et al., "Code Smells for Machine Learning Applications" (CAIN 2022): Randomness Uncontrolled'],
    fix: 'unsafe',
    docs: {
      what:
        "Finds the first use of PyTorch's default generators that runs before any `torch.manual_seed(...)` in the file, in execution order: sampling functions (`torch.rand`, `randn`, `randint`, `randperm`, `bernoulli`, `multinomial`, `normal`, `poisson`, `*_like`), in-place fills (`torch.empty(n).uniform_()`), `torch.nn.init.*`, `torch.distributions` samples, layers whose constructor initializes weights at random (`nn.Linear`, `nn.Conv2d`, `nn.Embedding`, `nn.LSTM`, `nn.Transformer*`, ..., also inside a model class of the file when the file builds it), `DataLoader(shuffle=True)`, `RandomSampler`/`SubsetRandomSampler`/`WeightedRandomSampler` and `random_split` without a `generator=`. A call with `generator=` uses its own generator and is not reported; with `device=\"cuda\"` it draws from the CUDA generator, which `torch.manual_seed` also seeds (\"on all devices\") and `torch.cuda.manual_seed_all` seeds alone. Seeding helpers of the file or of a library (`lightning.seed_everything`, `transformers.set_seed`, `accelerate.utils.set_seed`) count where they run. Code in functions the file never calls counts as seeded when the file seeds torch anywhere, and is only reported in files that run code themselves (a model definition module is seeded by the script that builds the model). One finding per file, at the first unseeded use. When another library is seeded but PyTorch is not, RNG008 reports it instead.",
      why:
        'Unseeded, PyTorch seeds its generators from OS entropy: the initial weights, dropout masks, augmentation and the order the DataLoader serves batches in all change from run to run, so a training result cannot be repeated or a failure reproduced. DataLoader workers derive their seeds from the main generator, so seeding it also makes worker-side randomness repeatable.',
      example: 'import torch\nfrom torch import nn\nfrom torch.utils.data import DataLoader\n\nmodel = nn.Linear(10, 1)\nloader = DataLoader(dataset, batch_size=32, shuffle=True)\n',
      useInstead:
        'import torch\nfrom torch import nn\nfrom torch.utils.data import DataLoader\n\nSEED = 0  # from the experiment config\ntorch.manual_seed(SEED)  # CPU and every CUDA device\n\nmodel = nn.Linear(10, 1)\ng = torch.Generator().manual_seed(SEED)\nloader = DataLoader(dataset, batch_size=32, shuffle=True, generator=g)\n',
      references: ['https://pytorch.org/docs/stable/notes/randomness.html', 'https://pytorch.org/docs/stable/generated/torch.manual_seed.html', 'https://pytorch.org/docs/stable/data.html#data-loading-randomness'],
    },
  },
  check(ctx) {
    reportGroups(ctx, ['torch', 'cuda'], (g) =>
      g.lib === 'cuda'
        ? 'seed it at the entry point with torch.manual_seed(SEED) (CPU and CUDA), SEED from the config'
        : g.first.what.includes('DataLoader') || g.first.how.includes('generator')
          ? 'seed it at the entry point with torch.manual_seed(SEED), SEED from the config, or pass generator=torch.Generator().manual_seed(SEED)'
          : 'seed it at the entry point with torch.manual_seed(SEED), SEED from the config',
    );
  },
});
