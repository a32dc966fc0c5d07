/**
 * Finds the files to lint under a set of paths: respects `.gitignore` files (at every
 * level, like git) and skips virtual environments, caches and dependency folders.
 * Files named explicitly are always included.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import ignore, { type Ignore } from 'ignore';

/** Folders never worth linting: tool caches, VCS data, dependencies, virtual environments. */
export const SKIPPED_DIRS = new Set([
  '.git', '.hg', '.svn', '.bzr', 'node_modules', '__pycache__', '.venv', 'venv', '.env', '.direnv', '.tox', '.nox',
  '.mypy_cache', '.pytest_cache', '.ruff_cache', '.ipynb_checkpoints', '.eggs', '__pypackages__', 'site-packages',
  '.pytype', '.pants.d', 'buck-out', '.cache', '.ml-hygiene',
]);

interface IgnoreLayer {
  dir: string;
  matcher: Ignore;
}

function readGitignore(dir: string): Ignore | undefined {
  try {
    const text = fs.readFileSync(path.join(dir, '.gitignore'), 'utf8');
    return ignore().add(text);
  } catch {
    return undefined;
  }
}

function ignoredBy(layers: IgnoreLayer[], file: string, isDir: boolean): boolean {
  for (const { dir, matcher } of layers) {
    const rel = path.relative(dir, file).split(path.sep).join('/');
    if (!rel || rel.startsWith('..')) continue;
    if (matcher.ignores(isDir ? rel + '/' : rel)) return true;
  }
  return false;
}

/** `.gitignore` layers from the filesystem root (or `stopAt`) down to `dir`, outermost first. */
function ancestorLayers(dir: string): IgnoreLayer[] {
  const chain: string[] = [];
  for (let d = dir; ; d = path.dirname(d)) {
    chain.unshift(d);
    if (fs.existsSync(path.join(d, '.git')) || path.dirname(d) === d) break;
  }
  const layers: IgnoreLayer[] = [];
  for (const d of chain) {
    const m = readGitignore(d);
    if (m) layers.push({ dir: d, matcher: m });
  }
  return layers;
}

export interface DiscoverOptions {
  /** Decides which files are wanted (by name). */
  accept: (file: string) => boolean;
  /** Called for folders that could not be read; the walk goes on. */
  onError?: (file: string, error: Error) => void;
  /** Whether `.gitignore` files hide what they match (default true; virtual environments and caches are always skipped). */
  gitignore?: boolean;
}

/** Lists files under `roots` (files or folders), sorted, without duplicates. */
export function discoverFiles(roots: string[], options: DiscoverOptions): string[] {
  const out = new Set<string>();
  for (const root of roots) {
    const abs = path.resolve(root);
    let stat: fs.Stats;
    try {
      stat = fs.statSync(abs);
    } catch (e) {
      options.onError?.(abs, e as Error);
      continue;
    }
    if (stat.isFile()) {
      out.add(abs);
      continue;
    }
    walk(abs, options.gitignore === false ? [] : ancestorLayers(abs), options, out);
  }
  return [...out].sort();
}

function walk(dir: string, layers: IgnoreLayer[], options: DiscoverOptions, out: Set<string>): void {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch (e) {
    options.onError?.(dir, e as Error);
    return;
  }
  // A virtual environment has a pyvenv.cfg at its top, whatever it is called.
  if (entries.some((e) => e.name === 'pyvenv.cfg' && e.isFile())) return;
  const own = options.gitignore !== false && entries.some((e) => e.name === '.gitignore') ? readGitignore(dir) : undefined;
  const here = own && !layers.some((l) => l.dir === dir) ? [...layers, { dir, matcher: own }] : layers;
  for (const e of entries) {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) {
      if (SKIPPED_DIRS.has(e.name) || ignoredBy(here, full, true)) continue;
      walk(full, here, options, out);
    } else if (e.isFile() && options.accept(full) && !ignoredBy(here, full, false)) {
      out.add(full);
    }
  }
}
