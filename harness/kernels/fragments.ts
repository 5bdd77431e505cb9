import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UserError } from '../errors.ts';
import { exists } from '../cache.ts';

export const FRAGMENTS_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'kernels', 'fragments');

/** A fragment name (`smack-apparmor`) is looked up in kernels/fragments/; anything with a slash or `.config` is a path. */
export async function fragmentPath(name: string): Promise<string> {
  const path = name.includes('/') || name.endsWith('.config') ? name : join(FRAGMENTS_DIR, `${name}.config`);
  if (!(await exists(path))) {
    throw new UserError(`config fragment \`${name}\` not found (looked at ${path}); the fragments in kernels/fragments/ are named without .config`);
  }
  return path;
}

/** Pure: what a fragment asks for: `CONFIG_X` → `y` / `m` / `"str"` / `n` (for "is not set"). */
export function fragmentOptions(text: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const line of text.split('\n')) {
    const set = /^(CONFIG_[A-Za-z0-9_]+)=(.*)$/.exec(line);
    if (set) m.set(set[1]!, set[2]!);
    const unset = /^# (CONFIG_[A-Za-z0-9_]+) is not set/.exec(line);
    if (unset) m.set(unset[1]!, 'n');
  }
  return m;
}

/**
 * Pure: the options a fragment asked for that the final .config does not
 * have (Kconfig drops options whose dependencies are missing or that this
 * kernel version does not know). `m` counts as met by `y`: we build modules in.
 */
export function unmetOptions(wanted: Map<string, string>, config: Map<string, string>): string[] {
  const out: string[] = [];
  for (const [k, v] of wanted) {
    const got = config.get(k) ?? 'n';
    const ok = v === got || (v === 'm' && got === 'y');
    if (!ok) out.push(`${k}=${v} (got ${got})`);
  }
  return out;
}

export async function readFragments(names: string[]): Promise<{ name: string; path: string; text: string }[]> {
  const out = [];
  for (const name of names) {
    const path = await fragmentPath(name);
    out.push({ name, path, text: await readFile(path, 'utf8') });
  }
  return out;
}
