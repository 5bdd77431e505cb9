import { join } from 'node:path';
import { buildOnce } from '../cache.ts';
import { sh } from '../proc.ts';
import type { Kernel } from './resolve.ts';

/**
 * A read-only ext4 disk holding lib/modules/<ver>, made once per kernel.
 * Chosen over copying modules into a per-kernel image: one image serves
 * every kernel, and the disk is built in seconds (mkfs.ext4 -d).
 */
export async function ensureModulesDisk(kernel: Kernel): Promise<string | undefined> {
  const root = kernel.files.modulesRoot;
  if (!root) return undefined;
  const dir = join(kernel.dir, 'modules-disk');
  await buildOnce(dir, async (tmp) => {
    const src = join(root, 'lib', 'modules');
    const used = Number((await sh('du', ['-sxm', src])).split(/\s/)[0]);
    await sh('mkfs.ext4', ['-q', '-F', '-L', 'lsm-modules', '-d', src, join(tmp, 'modules.ext4'), `${Math.ceil(used * 1.2) + 32}M`], { pkg: 'e2fsprogs' });
  });
  return join(dir, 'modules.ext4');
}
