import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { onCleanup } from './vm/reaper.ts';

/**
 * Where kernels, images, keys and initramfs files are kept between runs.
 * `LSM_MATRIX_CACHE` overrides; CI caches this directory.
 */
export function cacheRoot(): string {
  return process.env.LSM_MATRIX_CACHE ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'lsm-matrix');
}

export async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * Build a cache entry at `dest` exactly once. The builder writes into a
 * private temp directory that is renamed into place only when complete, so an
 * interrupted or failed build never leaves a half-made entry, and two runs
 * building the same entry at once both end up with one whole copy.
 */
export async function buildOnce(dest: string, build: (tmpDir: string) => Promise<void>): Promise<{ built: boolean }> {
  if (await exists(dest)) return { built: false };
  const tmp = `${dest}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  await mkdir(tmp, { recursive: true });
  // Ctrl-C exits without running `finally`; the reaper removes the half-built entry.
  const unregister = onCleanup(() => rm(tmp, { recursive: true, force: true }));
  try {
    await build(tmp);
    try {
      await rename(tmp, dest);
    } catch (e) {
      // Someone else finished first: theirs is as good as ours.
      if (await exists(dest)) return { built: false };
      throw e;
    }
    return { built: true };
  } finally {
    unregister();
    await rm(tmp, { recursive: true, force: true });
  }
}
