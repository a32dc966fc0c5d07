import type { Node } from 'web-tree-sitter';
import { defineRule } from '../../../server/src/engine/rule';
import type { CallSite, PythonModule, Scope } from '../../../server/src/engine/python/module';
import { offsetsOf } from '../../../server/src/engine/python/source-offsets';

/** Library calls that read or write data or models, and where their path goes (position, keyword). */
const IO_CALLS: Array<[RegExp, number, string]> = [
  [/^(?:builtins|io|codecs)\.open$/, 0, 'file'],
  [/^pandas\.read_\w+$/, 0, 'filepath_or_buffer'],
  [/^numpy\.(?:load|loadtxt|genfromtxt|fromfile|memmap|lib\.format\.open_memmap)$/, 0, 'file'],
  [/^numpy\.(?:save|savez|savez_compressed|savetxt)$/, 0, 'file'],
  [/^torch\.(?:load|jit\.load|serialization\.load)$/, 0, 'f'],
  [/^torch\.(?:save|jit\.save|serialization\.save)$/, 1, 'f'],
  [/^torch\.onnx\.export$/, 2, 'f'],
  [/^joblib\.load$/, 0, 'filename'],
  [/^joblib\.dump$/, 1, 'filename'],
  [/^(?:tensorflow\.keras|tf_keras|keras)\.(?:models\.|saving\.)?load_model$/, 0, 'filepath'],
  [/^tensorflow\.saved_model\.load$/, 0, 'export_dir'],
  [/^tensorflow\.saved_model\.save$/, 1, 'export_dir'],
  [/^tensorflow\.data\.TFRecordDataset$/, 0, 'filenames'],
  [/^tensorflow\.io\.(?:read_file|gfile\.GFile)$/, 0, 'filename'],
  [/^onnx\.(?:load|load_model)$/, 0, 'f'],
  [/^onnx\.(?:save|save_model)$/, 1, 'f'],
  [/^onnxruntime\.InferenceSession$/, 0, 'path_or_bytes'],
  [/^safetensors\.(?:torch|numpy|flax|tensorflow)\.load_file$/, 0, 'filename'],
  [/^safetensors\.(?:torch|numpy|flax|tensorflow)\.save_file$/, 1, 'filename'],
  [/^safetensors\.safe_open$/, 0, 'filename'],
  [/^h5py\.File$/, 0, 'name'],
  [/^PIL\.Image\.open$/, 0, 'fp'],
  [/^cv2\.(?:imread|imwrite|VideoCapture)$/, 0, 'filename'],
  [/^imageio(?:\.v\d)?\.(?:imread|imwrite|mimread)$/, 0, 'uri'],
  [/^datasets\.(?:load_dataset|load_from_disk)$/, 0, 'path'],
  [/^torchvision\.datasets\.\w+$/, 0, 'root'],
  [/^sklearn\.datasets\.(?:load_svmlight_files?|load_files)$/, 0, 'f'],
  [/^(?:xgboost|lightgbm)\.Booster$/, -1, 'model_file'],
  [/^glob\.i?glob$/, 0, 'pathname'],
  [/^os\.(?:listdir|scandir|walk)$/, 0, 'path'],
  [/^shutil\.(?:copy|copy2|copyfile|copytree|move)$/, 0, 'src'],
  [/^shutil\.(?:copy|copy2|copyfile|copytree|move)$/, 1, 'dst'],
  [/^scipy\.io\.(?:loadmat|savemat)$/, 0, 'file_name'],
  [/^sklearn\.datasets\.fetch_\w+$/, -1, 'data_home'],
];

/** Methods that read or write data or models, on any object. */
const IO_METHODS: Record<string, [number, string]> = {
  from_pretrained: [0, 'pretrained_model_name_or_path'],
  save_pretrained: [0, 'save_directory'],
  save_model: [0, 'output_dir'],
  load_model: [0, 'fname'],
  save_weights: [0, 'filepath'],
  load_weights: [0, 'filepath'],
  load_state_dict_from_url: [-1, 'model_dir'],
  to_csv: [0, 'path_or_buf'],
  to_parquet: [0, 'path'],
  to_json: [0, 'path_or_buf'],
  to_pickle: [0, 'path'],
  to_excel: [0, 'excel_writer'],
  to_hdf: [0, 'path_or_buf'],
  to_feather: [0, 'path'],
  read_text: [-2, ''],
  read_bytes: [-2, ''],
  write_text: [-2, ''],
  write_bytes: [-2, ''],
  save_checkpoint: [0, 'filepath'],
  load_from_checkpoint: [0, 'checkpoint_path'],
};

/** Object-level `save`/`load` (Keras `model.save(path)`, `booster.save_model`): only when the receiver looks like a model. */
const MODEL_RECEIVER = /(?:^|_)(?:model|net|network|clf|classifier|regressor|estimator|pipeline|pipe|booster|learner|trainer|encoder|tokenizer|processor)s?$/i;

type Place = 'absolute' | 'home' | 'windows';

function classify(value: string): Place | undefined {
  const v = value.trim();
  if (/^~(?:[\\/]|$|[A-Za-z_][\w.-]*(?:[\\/]|$))/.test(v)) return 'home';
  if (/^[A-Za-z]:[\\/]/.test(v) || /^\\\\[^\\\s]+\\/.test(v)) return 'windows';
  if (/^\/(?:tmp|dev|proc|sys|etc|var\/tmp)(?:\/|$)/.test(v)) return undefined;
  if (/^\/[^/\s]/.test(v) && v.length > 2) return 'absolute';
  return undefined;
}

function shown(value: string): string {
  return value.length > 60 ? value.slice(0, 57) + '...' : value;
}

interface PathOrigin {
  /** Where to report: the string (or `Path.home()` call). */
  node: Node;
  place: Place;
  text: string;
  /** For values bound to a name: the name. */
  via?: string;
}

/** The machine-specific location an expression starts from, if any. */
function origin(m: PythonModule, node: Node | undefined, scope: Scope, depth = 0): PathOrigin | undefined {
  if (!node || depth > 6) return undefined;
  switch (node.type) {
    case 'string': {
      // An f-string counts by its literal start: f"/home/alice/{name}.csv".
      const first = node.namedChildren.find((c) => c && c.type !== 'string_start');
      if (!first || first.type !== 'string_content') return undefined;
      const place = classify(first.text.replace(/\\\\/g, '\\'));
      return place ? { node, place, text: m.constantValue(node)?.kind === 'string' ? (m.constantValue(node) as { value: string }).value : first.text } : undefined;
    }
    case 'concatenated_string':
      return origin(m, node.namedChildren[0] ?? undefined, scope, depth + 1);
    case 'parenthesized_expression':
      return origin(m, node.namedChildren[0] ?? undefined, scope, depth + 1);
    case 'binary_operator': {
      const op = node.childForFieldName('operator')?.text;
      if (op === '/' || op === '+') return origin(m, node.childForFieldName('left') ?? undefined, scope, depth + 1);
      return undefined;
    }
    case 'identifier': {
      const bindings = m.lookup(node.text, scope);
      if (bindings?.length !== 1) return undefined;
      const b = bindings[0];
      if (b.kind !== 'assign' || !b.value) return undefined;
      const o = origin(m, b.value, b.scope, depth + 1);
      return o ? { ...o, via: o.via ?? node.text } : undefined;
    }
    case 'call': {
      const site = m.callSiteOf(node);
      if (!site) return undefined;
      const q = site.callee;
      if (q === 'pathlib.Path.home' || q === 'os.path.expanduser' && m.constantValue(site.positional[0])?.kind === 'string' && /^~[\\/]?$/.test((m.constantValue(site.positional[0]) as { value: string }).value))
        return { node, place: 'home', text: node.text };
      if (q && /^(?:pathlib\.(?:Pure)?(?:Windows|Posix)?Path|os\.path\.(?:join|expanduser|abspath|realpath|normpath)|builtins\.str|os\.fspath)$/.test(q))
        return origin(m, site.positional[0], scope, depth + 1);
      if (site.func.type === 'attribute') {
        const method = site.func.childForFieldName('attribute')?.text ?? '';
        const obj = site.func.childForFieldName('object') ?? undefined;
        if (['expanduser', 'resolve', 'absolute', 'joinpath', 'with_suffix', 'with_name', 'format', 'replace'].includes(method))
          return origin(m, obj, scope, depth + 1);
      }
      return undefined;
    }
    default:
      return undefined;
  }
}

/** The path argument of an IO call, and the call's display name. */
function pathArguments(call: CallSite): Array<{ arg: Node; what: string }> {
  const out: Array<{ arg: Node; what: string }> = [];
  const q = call.callee;
  if (q && !q.includes('()')) {
    for (const [re, position, keyword] of IO_CALLS) {
      if (!re.test(q)) continue;
      const arg = position >= 0 ? call.argument(position, keyword) : call.keyword(keyword);
      if (arg) out.push({ arg, what: q });
    }
    if (q.endsWith('.from_pretrained')) {
      const arg = call.argument(0, 'pretrained_model_name_or_path');
      if (arg) out.push({ arg, what: q });
    }
    if (out.length) return out;
  }
  if (call.func.type !== 'attribute') return out;
  const method = call.func.childForFieldName('attribute')?.text ?? '';
  const obj = call.func.childForFieldName('object');
  const spec = IO_METHODS[method];
  const display = `${obj && obj.text.length <= 30 ? obj.text.replace(/\s+/g, '') : '(...)'}.${method}`;
  if (spec) {
    const [position, keyword] = spec;
    // `Path("/data/x").read_text()`: the path is the receiver.
    const arg = position === -2 ? obj ?? undefined : position >= 0 ? call.argument(position, keyword) : call.keyword(keyword);
    if (arg) out.push({ arg, what: display });
    return out;
  }
  if ((method === 'save' || method === 'load') && obj) {
    const name = obj.type === 'attribute' ? obj.childForFieldName('attribute')?.text ?? '' : obj.text;
    const arg = call.positional[0];
    if (arg && MODEL_RECEIVER.test(name)) out.push({ arg, what: display });
  }
  return out;
}

/** A path starts at `i`: `/`, `~`, a drive (`C:` and a slash or backslash) or a UNC path (two backslashes). */
function startsPath(source: string, i: number): boolean {
  // Char codes: asked after every quote of the file.
  const c = source.charCodeAt(i);
  if (c === 47 /* / */ || c === 126 /* ~ */) return true;
  if (c === 92 /* backslash */) return source.charCodeAt(i + 1) === 92;
  const letter = (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
  const separator = source.charCodeAt(i + 2);
  return letter && source.charCodeAt(i + 1) === 58 /* : */ && (separator === 92 || separator === 47);
}

/**
 * Whether the file may hold a machine-specific path: a string starting like one, `home(` or
 * `expanduser` (what `/["'](?:\/|~|[A-Za-z]:[\\/]|\\\\)|home\(|expanduser/` finds), from the
 * occurrences of quotes and words kept between versions of the source instead of a search
 * of the whole file on every edit.
 */
function mayHoldPath(source: string): boolean {
  if (offsetsOf(source, 'home(').length || offsetsOf(source, 'expanduser').length) return true;
  for (const quote of ['"', "'"]) for (const at of offsetsOf(source, quote)) if (startsPath(source, at + 1)) return true;
  return false;
}

/** Libraries of data and model code: the rule looks at files that import one of them. */
const DATA_LIBRARIES = [
  'pandas', 'numpy', 'torch', 'torchvision', 'torchaudio', 'tensorflow', 'keras', 'sklearn', 'joblib', 'transformers',
  'datasets', 'huggingface_hub', 'onnx', 'onnxruntime', 'safetensors', 'h5py', 'PIL', 'cv2', 'imageio', 'skimage',
  'xgboost', 'lightgbm', 'catboost', 'scipy', 'polars', 'pyarrow', 'jax', 'flax', 'lightning', 'pytorch_lightning',
  'mlflow', 'timm', 'librosa', 'soundfile', 'tifffile', 'nibabel', 'pydicom', 'zarr', 'xarray', 'netCDF4', 'diffusers',
  'sentence_transformers', 'spacy', 'gensim', 'statsmodels',
];

export default defineRule({
  target: 'python',
  requires: DATA_LIBRARIES,
  meta: {
    id: 'CFG002',
    name: 'machine-specific-path',
    family: 'CFG',
    severity: 'warning',
    practice: 'P8',
    languages: ['python'],
    summary: 'An absolute or home-directory path to data or a model is written in the code.',
    provenance: ['Pylint/Ruff have no equivalent; MLOps checklists: "no hard-coded paths" (e.g. Cookiecutter Data Science, Made With ML)'],
    fix: 'none',
    docs: {
      what:
        'Finds absolute paths (`/home/alice/data.csv`, `/mnt/data`, `C:\\Users\\...`, `\\\\server\\share`) and home-directory paths (`~/datasets`, `Path.home() / ...`, `os.path.expanduser("~")`) that reach a call reading or writing data or models: `open`, `pandas.read_*` and `DataFrame.to_*`, NumPy and `torch` load/save, `joblib`, Keras `load_model` and `model.save`, `from_pretrained`/`save_pretrained`, ONNX and onnxruntime, safetensors, `h5py`, images, `datasets.load_dataset`, torchvision datasets, `glob`, `os.listdir` and `shutil` copies. The path may be built with `os.path.join`, `Path(...)`, `/`, `+` or an f-string, or bound to a name first (`DATA_DIR = "/data/x"`; reported once, at the definition). Not reported: relative paths, `/tmp` and `/dev`, URLs and cloud URIs (`s3://`, `gs://`), paths from config, arguments or the environment, absolute strings that reach no data or model call, and files that import no data or ML library (pandas, NumPy, PyTorch, TensorFlow, scikit-learn, Hugging Face, ONNX, image and array readers, ...).',
      why:
        'A path that exists only on one machine makes the script fail everywhere else (a colleague\'s laptop, CI, the training cluster, the serving container) and leaks the user name and folder layout into the repository. Locations of data and models are configuration: they belong in the config file, a command-line argument or an environment variable, or are relative to the project.',
      example: 'import pandas as pd\n\ndf = pd.read_csv("/home/alice/projects/churn/data/train.csv")\n',
      useInstead:
        'import os\nfrom pathlib import Path\n\nimport pandas as pd\n\nDATA_DIR = Path(os.environ.get("DATA_DIR", Path(__file__).parent / "data"))\ndf = pd.read_csv(DATA_DIR / "train.csv")\n',
      references: ['https://12factor.net/config', 'https://cookiecutter-data-science.drivendata.org/opinions/'],
    },
  },
  check(ctx) {
    if (!mayHoldPath(ctx.source)) return;
    const m = ctx.module;
    const reported = new Set<number>();
    for (const call of m.calls) {
      for (const { arg, what } of pathArguments(call)) {
        const o = origin(m, arg, call.scope);
        if (!o || reported.has(o.node.startIndex)) continue;
        reported.add(o.node.startIndex);
        const kind =
          o.place === 'home' ? 'home-directory path' : o.place === 'windows' ? 'absolute Windows path' : 'absolute path';
        const subject = o.node.type === 'call' ? `\`${shown(o.text)}\`` : `"${shown(o.text)}"`;
        const via = o.via ? ` (through \`${o.via}\`, used by ${what} at line ${call.node.startPosition.row + 1})` : ` given to ${what}`;
        const why = o.place === 'home' ? 'depends on whose home directory the script runs in' : 'exists only on one machine';
        ctx.reportNode(
          o.node,
          `${kind} ${subject}${via} ${why}; take the location from the config file, a command-line argument or an environment variable, or make it relative to the project`,
        );
      }
    }
  },
});
