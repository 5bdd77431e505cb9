import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
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
export async function buildOnce(dest: string, build: (tmpDir: string) => Promise<void>, onWait?: (holder: number) => void): Promise<{ built: boolean }> {
  if (await exists(dest)) return { built: false };
  return withCacheLock(dest, async () => {
    if (await exists(dest)) return { built: false };
    return buildUnlocked(dest, build);
  }, onWait);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e: any) {
    return e?.code === 'EPERM';
  }
}

/**
 * Hold `<path>.lock` while `fn` runs, so two runs sharing a cache do an
 * expensive build once: the second waits, then finds the entry made. A lock
 * whose holder is gone (crashed, killed) is taken over.
 */
export async function withCacheLock<T>(path: string, fn: () => Promise<T>, onWait?: (holder: number) => void): Promise<T> {
  const lock = `${path}.lock`;
  await mkdir(dirname(path), { recursive: true });
  let told = false;
  for (;;) {
    try {
      await mkdir(lock);
      await writeFile(join(lock, 'pid'), String(process.pid));
      break;
    } catch (e: any) {
      if (e?.code !== 'EEXIST') throw e;
      const pid = Number(await readFile(join(lock, 'pid'), 'utf8').catch(() => '0'));
      const age = Date.now() - ((await stat(lock).catch(() => undefined))?.mtimeMs ?? Date.now());
      // No pid yet: its holder is between mkdir and writeFile, or died there.
      if ((pid && !alive(pid)) || (!pid && age > 10_000)) {
        await rm(lock, { recursive: true, force: true });
        continue;
      }
      if (!told && pid) (onWait?.(pid), (told = true));
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
  const release = () => rm(lock, { recursive: true, force: true });
  const unregister = onCleanup(release);
  try {
    return await fn();
  } finally {
    unregister();
    await release();
  }
}

async function buildUnlocked(dest: string, build: (tmpDir: string) => Promise<void>): Promise<{ built: boolean }> {
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
