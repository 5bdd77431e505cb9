import { chmod, cp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { buildOnce, cacheRoot } from '../cache.ts';
import { sh } from '../proc.ts';
import { ensureKey } from '../vm/sshkey.ts';
import { hostSources, toMmdebstrapArg } from './mirror.ts';
import { loadRecipe, recipeHash } from './recipe.ts';

export interface Image {
  name: string;
  hash: string;
  /** Read-only qcow2 base; cells write to overlays on it. */
  base: string;
}

export type Progress = (line: string) => void;

/**
 * Build (once per recipe hash) the image's qcow2 base:
 * mmdebstrap → directory → customize → mkfs.ext4 -d → qcow2.
 */
export async function ensureImage(name: string, progress: Progress = () => {}): Promise<Image> {
  const recipe = await loadRecipe(name);
  const key = await ensureKey();
  const hash = await recipeHash(recipe, await readFile(key.publicKeyPath, 'utf8'));
  const dir = join(cacheRoot(), 'images', `${name}-${hash}`);
  await mkdir(join(cacheRoot(), 'images'), { recursive: true });
  const { built } = await buildOnce(dir, async (tmp) => {
    const t0 = Date.now();
    const root = join(tmp, 'root');
    const sources = await hostSources(recipe.suite);
    progress(`image ${name}: mmdebstrap ${recipe.suite} (${recipe.packages.length} packages) from ${sources.length} apt source(s) of this machine`);
    const child = execa('mmdebstrap', [
      `--variant=${recipe.variant}`, '--mode=root', '--format=directory',
      `--include=${recipe.packages.join(',')}`,
      recipe.suite, root, ...sources.map(toMmdebstrapArg),
    ], { all: true, reject: false });
    child.all?.setEncoding('utf8');
    let tail: string[] = [];
    child.all?.on('data', (chunk: string) => {
      for (const line of chunk.split('\n').filter(Boolean)) {
        tail = [...tail.slice(-19), line];
        if (/^I: /.test(line)) progress(`image ${name}: ${line.slice(3)}`);
      }
    });
    const r = await child;
    if (r.failed) {
      if ((r as any).code === 'ENOENT') throw new Error('mmdebstrap is not installed: apt-get install mmdebstrap');
      throw new Error(`mmdebstrap failed (exit ${r.exitCode}):\n${tail.join('\n')}`);
    }
    progress(`image ${name}: customizing`);
    await cp(join(recipe.dir, recipe.files), root, { recursive: true });
    await sh('sh', [join(recipe.dir, recipe.customize), root, key.publicKeyPath]);
    const used = Number((await sh('du', ['-sxm', root])).split(/\s/)[0]);
    const sizeMiB = Math.ceil(used * 1.15) + recipe.freeSpaceMiB;
    progress(`image ${name}: mkfs.ext4 -d (${used} MiB used, ${sizeMiB} MiB filesystem)`);
    const raw = join(tmp, 'root.ext4');
    await sh('mkfs.ext4', ['-q', '-F', '-L', 'lsm-root', '-d', root, raw, `${sizeMiB}M`], { pkg: 'e2fsprogs' });
    await rm(root, { recursive: true, force: true });
    progress(`image ${name}: qcow2 base`);
    await sh('qemu-img', ['convert', '-O', 'qcow2', raw, join(tmp, 'base.qcow2')], { pkg: 'qemu-utils' });
    await rm(raw);
    await chmod(join(tmp, 'base.qcow2'), 0o444);
    await writeFile(join(tmp, 'image.json'), JSON.stringify({ name, hash, sizeMiB, packages: recipe.packages, builtAt: new Date().toISOString(), buildSeconds: (Date.now() - t0) / 1000 }, null, 2));
    progress(`image ${name}: built in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  }, (pid) => progress(`image ${name}: another lsm-matrix (pid ${pid}) is building it; waiting for it`));
  if (!built) progress(`image ${name}-${hash}: cached`);
  return { name, hash, base: join(dir, 'base.qcow2') };
}
