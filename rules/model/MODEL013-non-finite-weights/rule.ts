import { defineRule } from '../../../server/src/engine/rule';
import type { Tensor } from '../../../server/src/onnx/model';
import { forEachGraph, tensorByteLength } from '../../../server/src/onnx/summary';
import { canHoldNonFinite, checkExternalData, scanNonFinite } from '../../../server/src/onnx/tensor-data';

export default defineRule({
  target: 'onnx',
  meta: {
    id: 'MODEL013',
    name: 'non-finite-weights',
    family: 'MODEL',
    severity: 'error',
    practice: 'P9',
    languages: ['onnx'],
    summary: 'Floating-point weights contain NaN or Inf values.',
    provenance: ['torch.autograd.detect_anomaly', 'TensorFlow tf.debugging.check_numerics'],
    fix: 'none',
    docs: {
      what: 'Reads the floating-point initializers (float32/16, bfloat16, float64, float8) and counts NaN and Inf values. The scan is bounded so that it stays cheap on huge models: at most 4 MiB per tensor (a larger tensor is sampled in 16 evenly spaced windows over its whole length) and 64 MiB for the whole model, smallest tensors first; what was sampled is said in the message.',
      why: 'A NaN in a weight spreads to every output it touches: the model returns NaN for every request. It comes from a training run that diverged (exploding gradients, a learning rate too high, log(0)) and was exported anyway.',
      example: 'torch.onnx.export(model, x, "model.onnx")   # after a run whose loss became nan\n',
      useInstead: 'assert all(torch.isfinite(p).all() for p in model.parameters()), "weights are not finite"\ntorch.onnx.export(model, x, "model.onnx")\n',
      references: ['https://pytorch.org/docs/stable/autograd.html#anomaly-detection'],
    },
  },
  async check(ctx) {
    const candidates: { tensor: Tensor; where: string }[] = [];
    forEachGraph(ctx.model, (graph, where) => {
      for (const tensor of graph.initializer) {
        if (!canHoldNonFinite(tensor.dataType) || tensor.payload.kind === 'empty') continue;
        // Missing external data is MODEL014's finding; it cannot be scanned.
        if (tensor.payload.kind === 'external' && checkExternalData(ctx.model, tensor)) continue;
        candidates.push({ tensor, where });
      }
    });
    // Smallest first: most tensors get scanned whole before the budget runs out.
    candidates.sort((a, b) => tensorByteLength(a.tensor) - tensorByteLength(b.tensor));
    let budget = ctx.nonFiniteScan.maxBytesTotal;
    let skipped = 0;
    for (const { tensor, where } of candidates) {
      const cost = Math.min(tensorByteLength(tensor), ctx.nonFiniteScan.maxBytesPerTensor);
      if (cost > budget) { skipped++; continue; }
      budget -= cost;
      const scan = await scanNonFinite(ctx.model, tensor, { maxBytesPerTensor: ctx.nonFiniteScan.maxBytesPerTensor });
      if (scan.nan || scan.inf) {
        const counts = [scan.nan ? `${scan.nan} NaN` : '', scan.inf ? `${scan.inf} Inf` : ''].filter(Boolean).join(' and ');
        const sampled = scan.sampled ? ` in a sample of ${scan.scanned} values` : ` among ${scan.scanned} values`;
        ctx.reportModel(`${where}: initializer '${tensor.name}' has ${counts}${sampled}`);
      }
    }
    if (skipped) {
      ctx.reportModel(`${skipped} float initializer(s) were not scanned for NaN/Inf: the ${ctx.nonFiniteScan.maxBytesTotal}-byte scan budget was used up`, { severity: 'info' });
    }
  },
});
