import { readFile, readdir } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UserError } from '../errors.ts';
import { exists } from '../cache.ts';

export const IMAGES_DIR = fileURLToPath(new URL('../../images/', import.meta.url));

/** Bump when the way images are assembled changes, so old bases are not reused. */
const BUILDER_VERSION = 1;

export interface Recipe {
  name: string;
  dir: string;
  suite: string;
  variant: string;
  packages: string[];
  freeSpaceMiB: number;
  customize: string;
  files: string;
}

export async function loadRecipe(name: string): Promise<Recipe> {
  const dir = join(IMAGES_DIR, name);
  const file = join(dir, 'recipe.json');
  if (!(await exists(file))) {
    const known = (await readdir(IMAGES_DIR, { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => d.name);
    throw new UserError(`image recipe \`${name}\` not found: known are ${known.join(', ')}`);
  }
  const r = JSON.parse(await readFile(file, 'utf8'));
  for (const k of ['suite', 'variant', 'customize', 'files'] as const) {
    if (typeof r[k] !== 'string') throw new UserError(`${file}: \`${k}\` must be a string`);
  }
  if (!Array.isArray(r.packages) || !r.packages.every((p: unknown) => typeof p === 'string')) {
    throw new UserError(`${file}: \`packages\` must be a list of package names`);
  }
  return { name, dir, suite: r.suite, variant: r.variant, packages: r.packages, freeSpaceMiB: Number(r.freeSpaceMiB ?? 1024), customize: r.customize, files: r.files };
}

async function walk(dir: string): Promise<string[]> {
  if (!(await exists(dir))) return [];
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await walk(p)));
    else out.push(p);
  }
  return out.sort();
}

/** Content hash of everything that goes into the image, including the login key. */
export async function recipeHash(r: Recipe, publicKey: string): Promise<string> {
  const h = createHash('sha256');
  h.update(`builder ${BUILDER_VERSION}\n`);
  h.update(await readFile(join(r.dir, 'recipe.json')));
  h.update(await readFile(join(r.dir, r.customize)));
  for (const f of await walk(join(r.dir, r.files))) {
    h.update(relative(r.dir, f));
    h.update(await readFile(f));
  }
  h.update(publicKey);
  return h.digest('hex').slice(0, 16);
}
