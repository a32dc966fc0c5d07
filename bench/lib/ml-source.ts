/**
 * A generated, realistic Python ML module of a given length: imports of torch, numpy,
 * pickle and joblib at the top, then data loading, model classes, training and
 * evaluation functions, with a few real findings (pickle/joblib/torch.load/np.load calls)
 * spread through it. Deterministic for a seed.
 *
 * Every statement that starts a line in a function body is a complete simple statement
 * (no multi-line expressions), so an edit that inserts a line at the start of any
 * indented line with that line's indentation keeps the file valid Python.
 */
import { seededRandom } from './stats';

export const ML_HEADER = `"""Training and evaluation pipeline (generated for the LSP latency benchmark)."""
import os
import json
import math
import pickle
import joblib
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset
from typing import Any, Dict, List, Optional, Tuple

CONFIG_PATH = os.environ.get("CONFIG_PATH", "config.json")
DEVICE = torch.device("cuda" if torch.cuda.is_available() else "cpu")
`;

const WORDS = ['loss', 'score', 'batch', 'feature', 'weight', 'grad', 'step', 'epoch', 'sample', 'label', 'metric', 'logit', 'scale', 'mask', 'token', 'window'];

function pick<T>(rand: () => number, xs: readonly T[]): T {
  return xs[Math.floor(rand() * xs.length)];
}

/** Body statements of a plain function (4-space indented, complete lines). */
function bodyLines(rand: () => number, n: number, findings: boolean): string[] {
  const out: string[] = [];
  const v = () => `${pick(rand, WORDS)}_${Math.floor(rand() * 50)}`;
  out.push(`    ${v()} = np.zeros((batch_size, ${8 + Math.floor(rand() * 120)}), dtype=np.float32)`);
  while (out.length < n) {
    switch (Math.floor(rand() * 12)) {
      case 0:
        out.push(`    for i in range(len(data)):`, `        ${v()} = data[i] * ${(rand() * 3).toFixed(3)}`, `        total += float(${v()}.sum()) if hasattr(${v()}, "sum") else 0.0`);
        break;
      case 1:
        out.push(`    ${v()} = torch.tensor(data, dtype=torch.float32, device=DEVICE)`);
        break;
      case 2:
        out.push(`    ${v()} = F.relu(model(inputs)).mean(dim=${Math.floor(rand() * 2)})`);
        break;
      case 3:
        out.push(`    if total > ${Math.floor(rand() * 1000)}:`, `        total = math.sqrt(total)`, `    else:`, `        total = total * 0.5`);
        break;
      case 4:
        out.push(`    with open(os.path.join(out_dir, "${v()}.json"), "w") as fh:`, `        json.dump({"total": total, "step": ${Math.floor(rand() * 100)}}, fh)`);
        break;
      case 5:
        out.push(`    ${v()} = np.clip(np.asarray(data) / (np.std(data) + 1e-8), -5.0, 5.0)`);
        break;
      case 6:
        out.push(`    # ${pick(rand, WORDS)} normalisation, see the notebook for the derivation`);
        break;
      case 7:
        out.push(`    ${v()} = [x * 2 for x in data if x is not None]`);
        break;
      case 8:
        out.push(`    total += sum(${v()} for _ in range(${1 + Math.floor(rand() * 9)}))`);
        break;
      case 9:
        if (findings && rand() < 0.5) {
          const which = Math.floor(rand() * 4);
          if (which === 0) out.push(`    with open(checkpoint, "rb") as f:`, `        state = pickle.load(f)`);
          else if (which === 1) out.push(`    joblib.dump(model, os.path.join(out_dir, "model.joblib"))`);
          else if (which === 2) out.push(`    state = torch.load(checkpoint)`);
          else out.push(`    arrays = np.load(checkpoint, allow_pickle=True)`);
        } else out.push(`    total = total + ${v()}`);
        break;
      case 10:
        out.push(`    logger_name = "${pick(rand, WORDS)}.${pick(rand, WORDS)}"`);
        break;
      default:
        out.push(`    total = total + float(np.mean(data)) * ${(rand() * 10).toFixed(2)}`);
    }
  }
  out.push(`    return total`);
  return out;
}

function moduleClass(rand: () => number, k: number): string[] {
  const width = 16 * (1 + Math.floor(rand() * 16));
  return [
    `class Block${k}(nn.Module):`,
    `    """Residual block ${k}."""`,
    ``,
    `    def __init__(self, width: int = ${width}) -> None:`,
    `        super().__init__()`,
    `        self.linear = nn.Linear(width, width)`,
    `        self.norm = nn.LayerNorm(width)`,
    `        self.dropout = nn.Dropout(${(rand() * 0.5).toFixed(2)})`,
    ``,
    `    def forward(self, x: torch.Tensor) -> torch.Tensor:`,
    `        h = self.norm(x)`,
    `        h = F.gelu(self.linear(h))`,
    `        return x + self.dropout(h)`,
    ``,
    ``,
  ];
}

/**
 * The same module written as one script function: the imports at the top, everything else
 * nested in `def main():` (functions and classes defined inside it), exactly `lines` lines.
 * One top-level statement holds nearly the whole file: the worst case for a parser that
 * reparses by top-level statement.
 */
export function generateMlScript(lines: number, seed = 1): string {
  const module = generateMlModule(lines - 1, seed).split('\n').slice(0, -1);
  const header = ML_HEADER.split('\n').length - 1;
  const body = module.slice(header).map((l) => (l ? `    ${l}` : l));
  return [...module.slice(0, header), 'def main():', ...body].join('\n') + '\n';
}

/** A Python ML module of exactly `lines` lines (each ending with a newline). */
export function generateMlModule(lines: number, seed = 1): string {
  const rand = seededRandom(seed);
  const out = ML_HEADER.split('\n').slice(0, -1);
  out.push('', '');
  let k = 0;
  while (out.length < lines) {
    k++;
    let block: string[];
    if (k % 9 === 0) block = moduleClass(rand, k);
    else {
      const verb = pick(rand, ['load', 'prepare', 'train', 'evaluate', 'score', 'export', 'augment', 'collate']);
      const header = [`def ${verb}_${pick(rand, WORDS)}_${k}(data: List[float], model: Any, batch_size: int = 32, out_dir: str = ".", checkpoint: str = "ckpt.pt") -> float:`, `    """${verb} step ${k}."""`, `    total = 0.0`, `    inputs = torch.randn(batch_size, 8)`];
      block = [...header, ...bodyLines(rand, 10 + Math.floor(rand() * 20), k % 7 === 3), '', ''];
    }
    if (out.length + block.length > lines) {
      // Fill the rest with a plain function of exactly the remaining length.
      const rest = lines - out.length;
      if (rest >= 3) {
        block = [`def tail_${k}() -> int:`, ...Array.from({ length: rest - 2 }, (_, i) => `    tail_${i} = ${i}`), `    return 0`];
      } else block = Array.from({ length: rest }, () => '');
    }
    out.push(...block);
  }
  return out.slice(0, lines).join('\n') + '\n';
}
