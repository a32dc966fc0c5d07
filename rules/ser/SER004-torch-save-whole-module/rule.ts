import type { Node } from 'web-tree-sitter';
import type { Fix } from '../../../protocol/findings';
import { nodeRange } from '../../../server/src/engine/lint';
import { defineRule } from '../../../server/src/engine/rule';
import type { Binding, PythonModule, Scope } from '../../../server/src/engine/python/module';

/**
 * What the rule concluded about an expression passed to `torch.save`:
 * `module` (evidence: a constructor, a subclass, a use), `likely` (only its name says
 * so), `other` (known not to be a module: a state_dict, tensors, literals, library
 * objects that are not modules) or `unknown`.
 */
type Verdict =
  | {
      kind: 'module' | 'likely';
      /** Noun phrase saying what the object is: "an instance of Net (...)". */
      origin: string;
      /** Where a container holds the module: `"model" entry \`net\``. */
      entry?: string;
      /** The expression a fix turns into `<expr>.state_dict()`. */
      fixNode?: Node;
    }
  | { kind: 'other' }
  | { kind: 'unknown' };

type ModuleVerdict = Extract<Verdict, { kind: 'module' | 'likely' }>;

const OTHER: Verdict = { kind: 'other' };
const UNKNOWN: Verdict = { kind: 'unknown' };
const MAX_DEPTH = 6;

/** `torch.nn` classes that are tensors, not modules. */
const NN_NOT_MODULES = new Set(['Parameter', 'UninitializedParameter', 'UninitializedBuffer', 'Buffer']);

/** Methods that return the module they are called on. */
const MODULE_PRESERVING = new Set([
  'to', 'cuda', 'cpu', 'eval', 'train', 'half', 'float', 'double', 'bfloat16', 'requires_grad_', 'share_memory', 'to_empty',
]);

/** Methods only an `nn.Module` has (optimizers share `state_dict`/`load_state_dict`/`zero_grad`, tensors share `to`/`cuda`). */
const MODULE_ONLY_METHODS = new Set([
  'parameters', 'named_parameters', 'buffers', 'named_buffers', 'modules', 'named_modules', 'children', 'named_children',
  'register_forward_hook', 'register_forward_pre_hook', 'register_full_backward_hook', 'register_buffer', 'register_module',
  'add_module', 'train', 'eval',
]);

/**
 * Libraries whose other calls and attributes we know return no `nn.Module` (tensors,
 * arrays, estimators, tokenizers, configs). A name imported from anywhere else may be the
 * project's own code (`from model import Net`), so it stays unknown.
 */
const KNOWN_LIBRARIES = new Set([
  'builtins', 'collections', 'copy', 'json', 'pickle', 'os', 'pathlib', 'io', 'math', 'random', 'itertools', 'functools',
  'numpy', 'pandas', 'scipy', 'sklearn', 'torch', 'torchvision', 'torchaudio', 'transformers', 'diffusers', 'timm', 'peft',
  'datasets', 'tokenizers', 'safetensors', 'tensorflow', 'keras', 'jax', 'PIL', 'cv2', 'xgboost', 'lightgbm', 'catboost',
  'joblib', 'sentence_transformers', 'lightning', 'pytorch_lightning',
]);

function knownLibrary(qualified: string): boolean {
  return KNOWN_LIBRARIES.has(qualified.split('.')[0]);
}

/** Variable names that, with nothing else known, look like a module. */
const MODULE_NAME = /^(?:[a-z0-9]+_)*(?:model|net|network|module)$/i;

/** Qualified class names whose instances are `nn.Module`s (constructors and base classes). */
function isModuleClassName(q: string): boolean {
  let m = /^torch\.nn\.(?:parallel\.|modules\.(?:[a-z_]+\.)?|quantized\.(?:[a-z_]+\.)?|qat\.)?([A-Z]\w*)$/.exec(q);
  if (m) return !NN_NOT_MODULES.has(m[1]);
  m = /^torchvision\.models\.(?:[a-z_]+\.)*([A-Z]\w*)$/.exec(q);
  if (m) return !/Weights$|^Weights/.test(m[1]);
  if (/^(?:pytorch_lightning|lightning(?:\.pytorch)?)(?:\.core(?:\.module|\.lightning)?)?\.LightningModule$/.test(q)) return true;
  m = /^(transformers|diffusers|peft)\.(?:[a-z_0-9]+\.)*([A-Z]\w*)$/.exec(q);
  if (m) return !/^(?:TF|Flax)/.test(m[2]) && /(?:Model|ModelMixin|For[A-Z]\w*)$|^AutoModel/.test(m[2]);
  return q === 'sentence_transformers.SentenceTransformer' || q === 'sentence_transformers.SentenceTransformer.SentenceTransformer';
}

/** Calls that return a module: factories and loaders of the model libraries. */
function moduleFactory(callee: string): boolean {
  const m = /^torchvision\.models\.(?:[a-z_]+\.)*([a-z]\w*)$/.exec(callee);
  if (m) return !['get_weight', 'get_model_weights', 'list_models', 'get_model_builder'].includes(m[1]);
  if (callee === 'timm.create_model' || callee === 'timm.models.create_model' || callee === 'peft.get_peft_model') return true;
  const loader = /^(.*)\.(?:from_pretrained|from_config|from_single_file|load_from_checkpoint)$/.exec(callee);
  return loader ? isModuleClassName(loader[1]) : false;
}

function short(node: Node): string {
  const text = node.text.replace(/\s+/g, ' ');
  return text.length > 40 ? text.slice(0, 37) + '...' : text;
}

function line(node: Node): number {
  return node.startPosition.row + 1;
}

function isModule(v: Verdict): v is ModuleVerdict {
  return v.kind === 'module' || v.kind === 'likely';
}

class Analysis {
  constructor(private readonly m: PythonModule) {}

  /** Why a local class is an `nn.Module` subclass ("a subclass of torch.nn.Module"), or undefined. */
  moduleClass(classDef: Node, scope: Scope, depth = 0): string | undefined {
    if (depth > MAX_DEPTH) return undefined;
    const bases = classDef.childForFieldName('superclasses')?.namedChildren.filter((b) => b && b.type !== 'keyword_argument') ?? [];
    let unresolvedBase = false;
    for (const base of bases) {
      if (!base) continue;
      const q = this.m.resolveExpression(base, scope);
      if (q && isModuleClassName(q)) return `a subclass of ${q}`;
      if (base.type === 'identifier') {
        const b = this.m.reachingBinding(base, scope);
        const def = b?.kind === 'class' ? b.node.parent : undefined;
        if (def && this.moduleClass(def, b!.scope, depth + 1)) return `a subclass of ${base.text}, itself an nn.Module`;
      }
      if (q === undefined) unresolvedBase = true;
    }
    if (unresolvedBase) {
      const body = classDef.childForFieldName('body');
      const forward = body?.namedChildren.find(
        (c) =>
          (c?.type === 'function_definition' && c.childForFieldName('name')?.text === 'forward') ||
          (c?.type === 'decorated_definition' && c.childForFieldName('definition')?.childForFieldName('name')?.text === 'forward'),
      );
      if (forward) return 'a class that defines forward()';
    }
    return undefined;
  }

  /** "Net (a subclass of torch.nn.Module, defined at line 11)" when `node` names a local module class. */
  localModuleClass(node: Node, scope: Scope, depth: number): string | undefined {
    if (node.type !== 'identifier') return undefined;
    const b = this.m.reachingBinding(node, scope);
    if (b?.kind !== 'class' || !b.node.parent) return undefined;
    const why = this.moduleClass(b.node.parent, b.scope, depth + 1);
    return why ? `${node.text} (${why}, defined at line ${line(b.node)})` : undefined;
  }

  classify(node: Node, scope: Scope, depth = 0): Verdict {
    if (depth > MAX_DEPTH) return UNKNOWN;
    switch (node.type) {
      case 'parenthesized_expression': {
        const inner = node.namedChildren[0];
        return inner ? this.classify(inner, scope, depth + 1) : UNKNOWN;
      }
      case 'call':
        return this.classifyCall(node, scope, depth);
      case 'identifier':
        return this.classifyName(node, scope, depth);
      case 'attribute':
        return this.classifyAttribute(node, scope, depth);
      case 'dictionary':
        return this.classifyContainer(
          node.namedChildren.filter((c) => c?.type === 'pair').map((p) => ({ key: p!.childForFieldName('key'), value: p!.childForFieldName('value') })),
          scope,
          depth,
        );
      case 'list':
      case 'tuple':
        return this.classifyContainer(node.namedChildren.map((c) => ({ key: null, value: c })), scope, depth);
      default:
        // Literals, comprehensions, arithmetic: never a module.
        return OTHER;
    }
  }

  private classifyContainer(items: Array<{ key: Node | null; value: Node | null }>, scope: Scope, depth: number): Verdict {
    for (const { key, value } of items) {
      if (!value) continue;
      const v = this.classify(value, scope, depth + 1);
      if (isModule(v)) return { ...v, entry: `${key ? `${key.text} entry` : 'item'} \`${short(value)}\`` };
    }
    return OTHER;
  }

  private classifyCall(node: Node, scope: Scope, depth: number): Verdict {
    const func = node.childForFieldName('function');
    if (!func) return UNKNOWN;
    const site = this.m.callSiteOf(node);
    const callee = site?.callee ?? this.m.resolveExpression(func, scope);
    const receiver = func.type === 'attribute' ? func.childForFieldName('object') : null;
    // A method call on an object (`m.to(dev)`, `Net().eval()`), not a library function.
    const onObject = receiver !== null && (callee === undefined || /\(\)\.\w+$/.test(callee));
    if (receiver && onObject) {
      const method = func.childForFieldName('attribute')?.text ?? '';
      if (method === 'state_dict') return OTHER;
      if (MODULE_PRESERVING.has(method)) {
        const v = this.classify(receiver, scope, depth + 1);
        return isModule(v) ? { kind: v.kind, origin: v.origin } : v;
      }
      // `Net.load_from_checkpoint(...)` on a LightningModule defined here.
      if (method === 'load_from_checkpoint' || method === 'from_pretrained') {
        const local = this.localModuleClass(receiver, scope, depth);
        if (local) return { kind: 'module', origin: `loaded by ${receiver.text}.${method}(), an instance of ${local}` };
      }
    }
    // Other methods of a library object (`LogisticRegression().fit(X, y)`) return no torch module we know of.
    if (onObject && callee !== undefined) return knownLibrary(callee) ? OTHER : UNKNOWN;
    if (callee !== undefined) {
      if (isModuleClassName(callee) || moduleFactory(callee)) return { kind: 'module', origin: `built by ${callee}()` };
      if (callee === 'copy.deepcopy' || callee === 'torch.compile') {
        const arg = site?.positional[0];
        const v = arg ? this.classify(arg, scope, depth + 1) : UNKNOWN;
        return isModule(v) ? { kind: v.kind, origin: `a ${callee}() of ${v.kind === 'likely' ? `\`${short(arg!)}\`` : v.origin}` } : v;
      }
      // `torch.load` may return a module or a checkpoint dict: its name or use decides.
      if (callee === 'torch.load' || callee === 'torch.serialization.load') return UNKNOWN;
      // Anything else a known library returns (tensors, arrays, estimators) is not a torch module;
      // a class imported from the project (`from model import Net`) may be one.
      return knownLibrary(callee) ? OTHER : UNKNOWN;
    }
    const local = this.localModuleClass(func, scope, depth);
    if (local) return { kind: 'module', origin: `an instance of ${local}` };
    return UNKNOWN;
  }

  private classifyName(node: Node, scope: Scope, depth: number): Verdict {
    const b = this.m.reachingBinding(node, scope);
    const name = node.text;
    if (b?.kind === 'class' || b?.kind === 'def') return OTHER;
    if (b?.kind === 'import') {
      const q = this.m.resolveExpression(node, scope);
      if (q && knownLibrary(q)) return OTHER;
    }
    if (b?.kind === 'assign' && b.value) {
      const v = this.classify(b.value, b.scope, depth + 1);
      if (v.kind === 'other') return OTHER;
      if (v.kind === 'module') {
        // A container keeps the fix on its entry; a plain value is fixed where it is saved.
        return v.entry ? { ...v, entry: `${v.entry} (in \`${name}\`, line ${line(b.node)})` } : { ...v, fixNode: node };
      }
      if (v.kind === 'likely') return v.entry ? v : { ...v, fixNode: node };
    }
    if (b?.kind === 'param') {
      const self = this.selfOfModule(b);
      if (self) return { kind: 'module', origin: self, fixNode: node };
      const typed = b.node.parent?.type === 'typed_parameter' || b.node.parent?.type === 'typed_default_parameter';
      const annotation = typed ? b.node.parent!.childForFieldName('type') : null;
      if (annotation) {
        const typeExpr = annotation.namedChildren[0] ?? annotation;
        const outer = b.scope.parent ?? b.scope;
        const q = this.m.resolveExpression(typeExpr, outer);
        if (q && isModuleClassName(q)) return { kind: 'module', origin: `annotated as ${q}`, fixNode: node };
        const local = this.localModuleClass(typeExpr, outer, depth);
        if (local) return { kind: 'module', origin: `annotated as ${local}`, fixNode: node };
        if (q || /^(?:dict|Dict|Mapping|OrderedDict|list|List|Tensor|str|bytes)\b/.test(typeExpr.text)) return OTHER;
      }
    }
    const used = this.usedAsModule(node, scope);
    if (used) return { kind: 'module', origin: `used as a module (\`${short(used)}\` at line ${line(used)})`, fixNode: node };
    if (MODULE_NAME.test(name)) return { kind: 'likely', origin: 'named like a module', fixNode: node };
    return UNKNOWN;
  }

  private classifyAttribute(node: Node, scope: Scope, depth: number): Verdict {
    // A library attribute (`np.pi`, an uncalled `torchvision.models.resnet50`) is not a module instance.
    const q = this.m.resolveExpression(node, scope);
    if (q !== undefined && knownLibrary(q)) return OTHER;
    const object = node.childForFieldName('object');
    const attr = node.childForFieldName('attribute')?.text ?? '';
    if (object?.type === 'identifier' && object.text === 'self') {
      const assigned = this.selfAttributeValues(node, attr);
      let allOther = assigned.length > 0;
      for (const value of assigned) {
        const v = this.classify(value, this.m.scopeAt(value.startIndex), depth + 1);
        if (v.kind === 'module') return { kind: 'module', origin: `${v.origin}, assigned to self.${attr} at line ${line(value)}`, fixNode: node };
        if (v.kind !== 'other') allOther = false;
      }
      if (allOther) return OTHER;
    }
    if (MODULE_NAME.test(attr)) return { kind: 'likely', origin: 'named like a module', fixNode: node };
    return UNKNOWN;
  }

  /** `self` in a method of an nn.Module subclass defined here. */
  private selfOfModule(b: Binding): string | undefined {
    const params = b.node.parent;
    if (params?.type !== 'parameters' || params.namedChildren[0]?.startIndex !== b.node.startIndex) return undefined;
    let def = params.parent;
    if (def?.type !== 'function_definition') return undefined;
    if (def.parent?.type === 'decorated_definition') {
      if (/@(?:staticmethod|classmethod)\b/.test(def.parent.text.slice(0, def.startIndex - def.parent.startIndex))) return undefined;
      def = def.parent;
    }
    const classDef = def.parent?.type === 'block' ? def.parent.parent : undefined;
    if (classDef?.type !== 'class_definition') return undefined;
    const why = this.moduleClass(classDef, this.m.scopeAt(classDef.startIndex));
    const name = classDef.childForFieldName('name')?.text ?? 'the class';
    return why ? `the ${name} instance itself (${name} is ${why}, defined at line ${line(classDef)})` : undefined;
  }

  /** Values assigned to `self.<attr>` in the class around `node`. */
  private selfAttributeValues(node: Node, attr: string): Node[] {
    let classDef: Node | null = node.parent;
    while (classDef && classDef.type !== 'class_definition') classDef = classDef.parent;
    if (!classDef) return [];
    const out: Node[] = [];
    for (const a of classDef.descendantsOfType('assignment')) {
      const left = a?.childForFieldName('left');
      const right = a?.childForFieldName('right');
      if (left?.type === 'attribute' && right && left.text.replace(/\s+/g, '') === `self.${attr}`) out.push(right);
    }
    return out;
  }

  /** A call such as `m.eval()` or `m.parameters()` on the same variable: only modules have these. */
  private usedAsModule(node: Node, scope: Scope): Node | undefined {
    const bindings = this.m.lookup(node.text, scope);
    if (!bindings) return undefined;
    for (const call of this.m.calls) {
      if (call.func.type !== 'attribute' || call.callee !== undefined) continue;
      const object = call.func.childForFieldName('object');
      const method = call.func.childForFieldName('attribute')?.text ?? '';
      if (object?.type !== 'identifier' || object.text !== node.text || !MODULE_ONLY_METHODS.has(method)) continue;
      // `df.eval("a + b")` is pandas: a module's eval() takes nothing and train() a bool.
      if ((method === 'eval' && call.positional.length > 0) || (method === 'train' && call.positional[0]?.type === 'string')) continue;
      if (this.m.lookup(node.text, call.scope) === bindings) return call.node;
    }
    return undefined;
  }
}

export default defineRule({
  target: 'python',
  requires: ['torch'],
  meta: {
    id: 'SER004',
    name: 'torch-save-whole-module',
    family: 'SER',
    severity: 'warning',
    practice: 'P1',
    languages: ['python'],
    summary: 'torch.save of a whole nn.Module pickles the model object instead of its weights.',
    provenance: ['Semgrep trailofbits.python.pickles-in-pytorch.pickles-in-pytorch'],
    fix: 'unsafe',
    docs: {
      what:
        'Finds `torch.save` (and `torch.serialization.save`) whose object is a whole `nn.Module` rather than its `state_dict()` or tensors: an instance of an `nn.Module` subclass defined in the file (directly or through other local classes, or a class with `forward()` over an unresolved base), a `torch.nn.*`, `torchvision.models.*`, `timm.create_model`, Hugging Face `*Model*.from_pretrained` or Lightning `load_from_checkpoint` result, `self` inside a module, `self.x` assigned a module in the class, a name used as a module (`m.eval()`, `m.parameters()`), a parameter annotated as a module, and dicts or lists holding any of these. Names such as `model`, `net` or `module` with no visible origin are reported as "looks like a module". Never reported: `x.state_dict()`, tensors, numbers, dict literals of those, and what `torch.load` returned unless its name or use says module (re-saving a loaded checkpoint dict is common).',
      why:
        'Saving the module pickles the object: the file records the import path of every class it uses and needs the same code at the same place to load, and loading it requires `weights_only=False`, which runs whatever the file names. A `state_dict` holds only tensors, loads with `weights_only=True`, converts to safetensors, and survives refactors of the model code. For serving, export the model to ONNX.',
      example: 'import torch\nfrom torch import nn\n\nmodel = nn.Sequential(nn.Linear(4, 2))\ntorch.save(model, "model.pt")\n',
      useInstead:
        'import torch\nfrom torch import nn\n\nmodel = nn.Sequential(nn.Linear(4, 2))\ntorch.save(model.state_dict(), "model.pt")\n\n# Load into a model you build yourself:\nmodel.load_state_dict(torch.load("model.pt", weights_only=True))\n',
      references: [
        'https://pytorch.org/tutorials/beginner/saving_loading_models.html',
        'https://pytorch.org/docs/stable/notes/serialization.html',
        'https://huggingface.co/docs/safetensors',
      ],
    },
  },
  check(ctx) {
    const m = ctx.module;
    const analysis = new Analysis(m);
    for (const call of m.callsTo('torch.save', 'torch.serialization.save')) {
      const obj = call.argument(0, 'obj');
      if (!obj) continue;
      const v = analysis.classify(obj, call.scope);
      if (!isModule(v)) continue;
      const fixes: Fix[] = [];
      const target = v.fixNode;
      if (target && (target.type === 'identifier' || target.type === 'attribute')) {
        fixes.push({
          title: `Save ${target.text}.state_dict() instead (and load it with load_state_dict(torch.load(..., weights_only=True)))`,
          safety: 'unsafe',
          edits: [{ range: nodeRange(target), newText: `${target.text}.state_dict()` }],
        });
      }
      const subject = v.entry ? `the ${v.entry} of the saved object` : `\`${short(obj)}\``;
      const instead = target ? `${target.text}.state_dict()` : 'its state_dict()';
      const related =
        target && target.startIndex !== obj.startIndex ? [{ range: nodeRange(target), message: 'the whole module is put here' }] : undefined;
      const consequence =
        'saving a module pickles the object, so loading it needs the class code unchanged and weights_only=False, which runs code from the file';
      const message =
        v.kind === 'module'
          ? `${call.callee} saves a whole nn.Module, not its weights: ${subject} is ${v.origin}; ${consequence}. Save ${instead} (or export to ONNX) instead`
          : `${call.callee} is given ${subject}, which is ${v.origin} and may be a whole nn.Module (where it comes from is not visible here); ${consequence}. If it is one, save ${instead} (or export to ONNX) instead`;
      ctx.reportNode(obj, message, { fixes, related });
    }
  },
});
