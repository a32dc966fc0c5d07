/**
 * Facts about the Python project a file belongs to, read from its dependency files:
 * which version of a package it declares (requirements files, pyproject.toml,
 * environment.yml) or pins (poetry.lock, uv.lock, pdm.lock, Pipfile.lock).
 * Rules use them where library behaviour changed between versions (torch.load's
 * `weights_only` default became True in PyTorch 2.6).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse as parseToml } from 'smol-toml';
import { parse as parseYaml } from 'yaml';

export interface DeclaredPackage {
  /** Normalized name (PEP 503). */
  name: string;
  /** The specifier as written (`>=2.0,<3`, `==2.5.1`, `^2.1`), or the exact locked version. */
  spec: string;
  /** True when `spec` is an exact version from a lockfile. */
  locked: boolean;
  /** The file that declares it. */
  source: string;
}

export interface ProjectFacts {
  /** The folder holding the dependency files, when one was found. */
  readonly root: string | undefined;
  declared(pkg: string): DeclaredPackage | undefined;
}

export const EMPTY_PROJECT: ProjectFacts = { root: undefined, declared: () => undefined };

const LOCK_FILES = ['poetry.lock', 'uv.lock', 'pdm.lock', 'Pipfile.lock'];
const DECLARATION_FILES = ['pyproject.toml', 'environment.yml', 'environment.yaml', 'Pipfile'];
const REQUIREMENTS = /^requirements.*\.(txt|in)$/i;

/** Conda names that differ from the PyPI ones. */
const CONDA_NAMES: Record<string, string> = { pytorch: 'torch' };

export function normalizePackageName(name: string): string {
  const n = name.trim().toLowerCase().replace(/[-_.]+/g, '-');
  return CONDA_NAMES[n] ?? n;
}

function isDependencyFile(name: string): boolean {
  return LOCK_FILES.includes(name) || DECLARATION_FILES.includes(name) || REQUIREMENTS.test(name);
}

/** Splits a PEP 508 requirement (`torch[cuda]>=2.0; python_version>"3.8"`) into name and specifier. */
export function parseRequirement(line: string): { name: string; spec: string } | undefined {
  const text = line.replace(/\s+#.*$/, '').split(';')[0].trim();
  const m = /^([A-Za-z0-9][A-Za-z0-9._-]*)\s*(\[[^\]]*\])?\s*(\(?\s*([<>=!~^][^)]*)\)?)?\s*$/.exec(text);
  if (!m) return undefined;
  return { name: normalizePackageName(m[1]), spec: (m[4] ?? '').trim() };
}

class FileProjectFacts implements ProjectFacts {
  private readonly packages = new Map<string, DeclaredPackage>();
  constructor(readonly root: string) {
    const names = safeReaddir(root);
    // Lockfiles first: an exact pinned version beats a range.
    for (const f of LOCK_FILES) if (names.includes(f)) this.readLock(path.join(root, f));
    for (const f of names.filter((n) => REQUIREMENTS.test(n)).sort()) this.readRequirements(path.join(root, f), 0);
    if (names.includes('pyproject.toml')) this.readPyproject(path.join(root, 'pyproject.toml'));
    for (const f of ['environment.yml', 'environment.yaml']) if (names.includes(f)) this.readCondaEnv(path.join(root, f));
  }

  declared(pkg: string): DeclaredPackage | undefined {
    return this.packages.get(normalizePackageName(pkg));
  }

  private add(name: string, spec: string, source: string, locked = false): void {
    const key = normalizePackageName(name);
    if (!this.packages.has(key)) this.packages.set(key, { name: key, spec, source, locked });
  }

  private readRequirements(file: string, depth: number): void {
    const text = safeRead(file);
    if (text === undefined || depth > 5) return;
    for (const raw of text.split(/\r?\n/)) {
      const line = raw.trim();
      if (!line || line.startsWith('#')) continue;
      const include = /^(?:-r|--requirement)\s+(\S+)/.exec(line);
      if (include) {
        this.readRequirements(path.resolve(path.dirname(file), include[1]), depth + 1);
        continue;
      }
      if (line.startsWith('-')) continue;
      const req = parseRequirement(line);
      if (req) this.add(req.name, req.spec, file);
    }
  }

  private readPyproject(file: string): void {
    const doc = safeToml(file);
    if (!doc) return;
    const project = doc.project as Record<string, unknown> | undefined;
    const lists: unknown[] = [project?.dependencies];
    const optional = project?.['optional-dependencies'];
    if (optional && typeof optional === 'object') lists.push(...Object.values(optional));
    const groups = doc['dependency-groups'];
    if (groups && typeof groups === 'object') lists.push(...Object.values(groups));
    for (const list of lists)
      if (Array.isArray(list))
        for (const item of list) {
          const req = typeof item === 'string' ? parseRequirement(item) : undefined;
          if (req) this.add(req.name, req.spec, file);
        }
    const poetry = (doc.tool as Record<string, any> | undefined)?.poetry;
    const tables: unknown[] = [poetry?.dependencies, poetry?.['dev-dependencies']];
    for (const g of Object.values((poetry?.group ?? {}) as Record<string, any>)) tables.push(g?.dependencies);
    for (const table of tables) {
      if (!table || typeof table !== 'object') continue;
      for (const [name, value] of Object.entries(table as Record<string, unknown>)) {
        const spec = typeof value === 'string' ? value : typeof (value as any)?.version === 'string' ? (value as any).version : '';
        this.add(name, spec === '*' ? '' : spec, file);
      }
    }
  }

  private readCondaEnv(file: string): void {
    const text = safeRead(file);
    if (text === undefined) return;
    let doc: any;
    try {
      doc = parseYaml(text);
    } catch {
      return;
    }
    for (const dep of Array.isArray(doc?.dependencies) ? doc.dependencies : []) {
      if (typeof dep === 'string') {
        // conda: `pytorch=2.1.0=py3.10_cuda11.8`, `pytorch>=2.0`, `conda-forge::pytorch`.
        const m = /^(?:[\w-]+::)?([A-Za-z0-9._-]+)\s*(.*)$/.exec(dep.trim());
        if (!m) continue;
        let spec = m[2].trim();
        if (/^=[^=]/.test(spec)) spec = '==' + spec.slice(1).split('=')[0];
        this.add(m[1], spec, file);
      } else if (dep && Array.isArray(dep.pip)) {
        for (const p of dep.pip) {
          const req = typeof p === 'string' ? parseRequirement(p) : undefined;
          if (req) this.add(req.name, req.spec, file);
        }
      }
    }
  }

  private readLock(file: string): void {
    if (file.endsWith('Pipfile.lock')) {
      const text = safeRead(file);
      try {
        const doc = JSON.parse(text ?? '');
        for (const section of ['default', 'develop'])
          for (const [name, info] of Object.entries((doc?.[section] ?? {}) as Record<string, any>))
            if (typeof info?.version === 'string') this.add(name, info.version.replace(/^==/, ''), file, true);
      } catch {
        /* an unreadable lockfile declares nothing */
      }
      return;
    }
    const doc = safeToml(file);
    const packages = doc?.package;
    if (Array.isArray(packages))
      for (const p of packages as any[])
        if (typeof p?.name === 'string' && typeof p?.version === 'string') this.add(p.name, p.version, file, true);
  }
}

function safeReaddir(dir: string): string[] {
  try {
    return fs.readdirSync(dir);
  } catch {
    return [];
  }
}

function safeRead(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

function safeToml(file: string): Record<string, any> | undefined {
  const text = safeRead(file);
  if (text === undefined) return undefined;
  try {
    return parseToml(text) as Record<string, any>;
  } catch {
    return undefined;
  }
}

/** Caches project facts per folder; the LSP layer invalidates on file changes. */
export class ProjectFactsCache {
  private readonly byDir = new Map<string, ProjectFacts>();

  forFile(file: string, stopAt?: string): ProjectFacts {
    return this.forDir(path.dirname(path.resolve(file)), stopAt);
  }

  private forDir(dir: string, stopAt: string | undefined): ProjectFacts {
    const cached = this.byDir.get(dir);
    if (cached) return cached;
    let facts: ProjectFacts;
    if (safeReaddir(dir).some(isDependencyFile)) facts = new FileProjectFacts(dir);
    else {
      const parent = path.dirname(dir);
      facts = parent === dir || (stopAt !== undefined && path.resolve(dir) === path.resolve(stopAt)) ? EMPTY_PROJECT : this.forDir(parent, stopAt);
    }
    this.byDir.set(dir, facts);
    return facts;
  }

  /** Forget what was read, after a dependency file changed. */
  invalidate(changedFile?: string): void {
    if (changedFile === undefined || isDependencyFile(path.basename(changedFile))) this.byDir.clear();
  }
}

type Version = number[];

export function parseVersion(text: string): Version | undefined {
  const m = /^v?(\d+(?:\.\d+)*)/.exec(text.trim());
  return m ? m[1].split('.').map(Number) : undefined;
}

export function compareVersions(a: Version, b: Version): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/**
 * Whether a version specifier allows some version below `bound`. Understands PEP 440
 * (`==`, `>=`, `>`, `<=`, `<`, `~=`, `==2.*`, `!=`), Poetry (`^2.1`, `~2.1`, bare `2.1`)
 * and conda (`2.1.*`). Returns undefined when the specifier cannot be read.
 */
export function specAllowsBelow(spec: string, bound: string, locked = false): boolean | undefined {
  const target = parseVersion(bound)!;
  if (locked) {
    const v = parseVersion(spec);
    return v ? compareVersions(v, target) < 0 : undefined;
  }
  const clauses = spec.split(/\s*,\s*|\s+(?=[<>=!~^])/).map((c) => c.trim()).filter(Boolean);
  if (!clauses.length) return true; // no constraint: any version, old ones included
  let lower: Version | undefined; // inclusive lower bound of allowed versions
  for (const clause of clauses) {
    const m = /^(===|==|~=|>=|<=|!=|>|<|\^|~|=)?\s*([0-9][0-9A-Za-z.*+!-]*)$/.exec(clause);
    if (!m) return undefined;
    const op = m[1] ?? '==';
    const wildcard = m[2].includes('*');
    const v = parseVersion(m[2].replace(/\.\*.*$/, ''));
    if (!v) return undefined;
    switch (op) {
      case '==':
      case '===':
      case '=':
      case '>=':
      case '~=':
      case '^':
      case '~':
        if (!lower || compareVersions(v, lower) > 0) lower = v;
        break;
      case '>': {
        // `>2.5` allows 2.5.1; treat as a lower bound just above v.
        const above = [...v, 0, 1];
        if (!lower || compareVersions(above, lower) > 0) lower = above;
        break;
      }
      case '<':
      case '<=':
      case '!=':
        break;
    }
    if ((op === '==' || op === '===' || op === '=') && !wildcard) {
      // An exact pin decides alone.
      return compareVersions(v, target) < 0;
    }
  }
  return lower === undefined || compareVersions(lower, target) < 0;
}
