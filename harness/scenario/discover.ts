import { readdir } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { exists } from '../cache.ts';
import { fileURLToPath } from 'node:url';
import { UserError } from '../errors.ts';

export const SCENARIOS_DIR = fileURLToPath(new URL('../../scenarios/', import.meta.url));

/** Pure: a glob (`apparmor/**`, `docker/*`, `apparmor/enabled`) as a RegExp over `area/name.ts`. */
export function globToRegExp(glob: string): RegExp {
  const g = glob.replace(/\.ts$/, '');
  let re = '';
  for (let i = 0; i < g.length; i++) {
    const c = g[i]!;
    if (c === '*' && g[i + 1] === '*') {
      re += '.*';
      i++;
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}(\\.ts)?$`);
}

async function walk(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await walk(p)));
    else if (e.name.endsWith('.ts') && !e.name.startsWith('_')) out.push(p);
  }
  return out;
}

/** Absolute paths of the scenario files matching the globs: the scenarios dir's sorted, then direct paths in the order given. */
export async function findScenarios(globs: string[], dir = SCENARIOS_DIR): Promise<string[]> {
  if (globs.length === 0) return [];
  const all = (await walk(dir)).map((p) => relative(dir, p)).sort();
  const picked = new Set<string>();
  const direct: string[] = [];
  for (const g of globs) {
    // A path to a file (`./my-check.ts`, `/abs/x.ts`) is taken as it is.
    if (/^(\.{0,2}\/)/.test(g)) {
      const abs = resolve(g);
      if (!(await exists(abs))) throw new UserError(`--scenario \`${g}\`: no such file`);
      direct.push(abs);
      continue;
    }
    const re = globToRegExp(g);
    const hits = all.filter((f) => re.test(f));
    if (hits.length === 0) {
      const areas = [...new Set(all.map((f) => f.split('/')[0]))].join(', ');
      throw new UserError(`--scenario \`${g}\` matches no scenario file: areas are ${areas || '(none)'}; e.g. \`apparmor/**\``);
    }
    hits.forEach((h) => picked.add(h));
  }
  return [...[...picked].sort().map((f) => join(dir, f)), ...direct];
}
