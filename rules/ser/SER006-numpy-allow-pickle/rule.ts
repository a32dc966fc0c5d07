import * as path from 'node:path';
import type { Fix } from '../../../protocol/findings';
import { nodeRange } from '../../../server/src/engine/lint';
import { compareVersions, parseVersion, type DeclaredPackage } from '../../../server/src/engine/project';
import { defineRule } from '../../../server/src/engine/rule';

/** NumPy 1.16.3 changed `np.load`'s `allow_pickle` default from True to False (CVE-2019-6446). */
const SAFE_DEFAULT_SINCE = '1.16.3';

const ADVICE =
  'keep allow_pickle=False (the default) and store numeric arrays only, or use safetensors for tensors and Parquet/JSON for mixed data';

/** The exact NumPy version a project pins (`==1.16.2` or a lockfile), if any. */
function exactVersion(p: DeclaredPackage): number[] | undefined {
  if (p.locked) return parseVersion(p.spec);
  const m = /^\s*={2,3}\s*([0-9][0-9.]*)\s*$/.exec(p.spec);
  return m ? parseVersion(m[1]) : undefined;
}

export default defineRule({
  target: 'python',
  requires: ['numpy'],
  meta: {
    id: 'SER006',
    name: 'numpy-allow-pickle',
    family: 'SER',
    severity: 'error',
    practice: 'P1',
    languages: ['python'],
    summary: 'np.load(..., allow_pickle=True) unpickles object arrays, running any code in the file.',
    provenance: ['Semgrep trailofbits.python.pickles-in-numpy.pickles-in-numpy'],
    fix: 'unsafe',
    docs: {
      what:
        'Finds `numpy.load` (through any alias) with `allow_pickle=True`, given by keyword or as the third positional argument, as a literal, through a constant, or as the default of a parameter passed along. A call without `allow_pickle` is reported only where the project pins a NumPy version before 1.16.3, whose default was True. A value the rule cannot read is not reported.',
      why:
        'A `.npy`/`.npz` file holding an object array stores it as a pickle; with `allow_pickle=True`, loading it imports and calls whatever the pickle names, so a data file can run code. Numeric arrays never need it: `allow_pickle=True` usually means a dict or ragged list was saved with `np.save`, which belongs in a data-only format.',
      example: 'import numpy as np\n\nfeatures = np.load("features.npy", allow_pickle=True)\n',
      useInstead:
        'import numpy as np\nfrom safetensors.numpy import load_file\n\nfeatures = np.load("features.npy")  # numeric arrays only\ntensors = load_file("features.safetensors")\n',
      references: [
        'https://numpy.org/doc/stable/reference/generated/numpy.load.html',
        'https://nvd.nist.gov/vuln/detail/CVE-2019-6446',
        'https://huggingface.co/docs/safetensors',
      ],
    },
  },
  check(ctx) {
    const m = ctx.module;
    for (const call of m.callsTo('numpy.load')) {
      const given = call.argument(2, 'allow_pickle');
      if (given) {
        const r = m.constantOrDefault(given, call.scope);
        if (r?.value.kind !== 'bool' || !r.value.value) continue;
        const how = r.fromDefault
          ? `allow_pickle=${given.text} (a parameter whose default is True, line ${r.fromDefault.node.startPosition.row + 1})`
          : given.type === 'true'
            ? 'allow_pickle=True'
            : `allow_pickle=${given.text} (which is True)`;
        const fixes: Fix[] =
          given.type === 'true'
            ? [{ title: 'Use allow_pickle=False (object arrays then fail to load)', safety: 'unsafe', edits: [{ range: nodeRange(given), newText: 'False' }] }]
            : [];
        ctx.reportNode(
          call.node,
          `numpy.load with ${how} unpickles object arrays in the file, running any code they name (an object array is a pickle); ${ADVICE}`,
          { fixes },
        );
        continue;
      }
      if (call.hasSplat) continue; // `*args`/`**kwargs` may carry allow_pickle
      const numpy = ctx.project.declared('numpy');
      const pinned = numpy ? exactVersion(numpy) : undefined;
      if (!numpy || !pinned || compareVersions(pinned, parseVersion(SAFE_DEFAULT_SINCE)!) >= 0) continue;
      const where = path.relative(path.dirname(ctx.path), numpy.source).split(path.sep).join('/');
      ctx.reportNode(
        call.node,
        `numpy.load unpickles object arrays here, running any code the file names: ${where} pins numpy ${pinned.join('.')}, and before 1.16.3 allow_pickle defaulted to True; upgrade numpy or pass allow_pickle=False, and store numeric arrays only (safetensors for tensors, Parquet/JSON for mixed data)`,
      );
    }
  },
});
