import * as path from 'node:path';
import { defineRule } from '../../../server/src/engine/rule';
import { missingKeys, nearestKey } from '../../../server/src/engine/config-files';

export default defineRule({
  target: 'python',
  requires: ['yaml', 'json', 'omegaconf', 'hydra', 'ruamel'],
  meta: {
    id: 'CFG005',
    name: 'config-key-drift',
    family: 'CFG',
    severity: 'warning',
    practice: 'P2',
    languages: ['python', 'config'],
    summary: 'Code reads a key its config file lacks, or the config file has keys no code reads.',
    provenance: ['Hydra/OmegaConf strict mode (missing keys fail at run time)'],
    fix: 'none',
    docs: {
      what:
        'Follows configs loaded from YAML or JSON files (`yaml.safe_load(open("config.yaml"))`, `with open(...) as f: cfg = yaml.safe_load(f)`, `json.load`, `OmegaConf.load`, Hydra\'s `@hydra.main(config_path=..., config_name=...)`, and YAML/JSON text given to the loader inline) to the file they read (relative to the script for `Path(__file__)` paths, else the first match from the script\'s folder up to the project root) and compares the keys the code reads with the keys the file has. In the Python file: `cfg["lr"]`, `cfg["model"]["hidden"]`, `cfg.get("epochs")` without a default and (OmegaConf/Hydra) `cfg.train.lr` whose key the file lacks, with the nearest existing key as a suggestion. In the config file itself (the CLI, the workspace scan and open YAML/JSON editors lint experiment configs): keys that no Python file loading it reads, and the keys read that it lacks (on the key with the nearest spelling, else on the mapping that should hold them), re-checked when a loading script changes; `# ml-hygiene: ignore[CFG005]` on a YAML line silences that line. Not judged: reads with a default (`.get("k", 3)`), keys tested (`"k" in cfg`) or written by the code, configs passed whole to functions, iterated or unpacked (everything below counts as read), dynamic keys, Hydra-composed files (`defaults:`), `_target_`-style keys and keys used by `${...}` interpolations, and files no Python code loads.',
      why:
        'A key the code reads but the file lacks fails the run at that line, often hours into training; a key the file has but no code reads is a setting that silently changes nothing, so whoever tunes it is misled and the saved config no longer describes the run. Both happen when code and config are edited apart (a renamed key, a removed option).',
      example:
        'import yaml\n\n# The same holds for a config.yaml next to the script; inline here to keep the example whole.\nconfig = yaml.safe_load("""\nlr: 0.01\nepochs: 10\n""")\n\nlr = config["learning_rate"]\n',
      useInstead: 'import yaml\n\nconfig = yaml.safe_load("""\nlr: 0.01\nepochs: 10\n""")\n\nlr = config["lr"]\n',
      references: ['https://omegaconf.readthedocs.io/en/latest/usage.html#struct-flag', 'https://hydra.cc/docs/tutorials/basic/your_first_app/strict_mode/'],
    },
  },
  check(ctx) {
    for (const miss of missingKeys(ctx.module, ctx.path, ctx.project.root)) {
      const name = miss.load.inline !== undefined ? 'the inline config' : path.basename(miss.config.file);
      const key = miss.read.path[miss.read.path.length - 1];
      const where = miss.parentPath.length ? ` under "${miss.parentPath.join('.')}"` : '';
      const suggestion = nearestKey(key, miss.available);
      const available = miss.available.length
        ? suggestion
          ? `; did you mean "${suggestion}"?`
          : `; it has ${miss.available.length > 6 ? `${miss.available.slice(0, 6).map((k) => `"${k}"`).join(', ')}, ...` : miss.available.map((k) => `"${k}"`).join(', ')}`
        : '';
      const consequence = miss.read.how === 'get' ? `.get("${key}") returns None` : 'this line fails at run time';
      const loaded = miss.load.node.startPosition.row + 1;
      ctx.reportNode(miss.read.node, `config key "${miss.read.path.join('.')}" is read here but ${name} (loaded at line ${loaded}) has no "${key}"${where}, so ${consequence}${available}`, {
        related:
          miss.load.inline !== undefined
            ? []
            : [{ path: miss.config.file, range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, message: `${name}, the config file loaded at line ${loaded}` }],
      });
    }
  },
});
