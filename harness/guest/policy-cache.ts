/**
 * The AppArmor policy cache of a (kernel, image) pair. apparmor.service
 * compiles every profile under /etc/apparmor.d at boot: 16 s of a Debian 6.12
 * TCG boot, 1 s with a warm cache. Each cell's overlay is thrown away, so the
 * cache the first boot wrote is kept next to the kernel and handed to later
 * boots in a second initramfs segment, which the initramfs unpacks into
 * /var/cache/apparmor before systemd starts. Nothing is trusted blindly:
 * apparmor_parser itself checks the cache against the kernel's feature set
 * (its directory name) and the profiles' mtimes, and recompiles what differs.
 */
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { buildOnce } from '../cache.ts';
import { writeCpio } from '../vm/cpio.ts';
import type { Ssh } from '../vm/ssh.ts';

/** The file name init.sh looks for. */
export const POLICY_TAR = 'apparmor-cache.tar';
const CACHE_DIR = '/var/cache/apparmor';

export interface PolicyCacheOwner {
  /** The kernel's own cache directory. */
  kernelDir: string;
  /** The kernel's base initramfs (the policy is appended to it). */
  initramfs: string;
  imageHash: string;
}

/** The pair a kernel and an image make (their policy cache is theirs alone). */
export function policyOwner(kernel: { dir: string; initramfs: string }, image: { hash: string }): PolicyCacheOwner {
  return { kernelDir: kernel.dir, initramfs: kernel.initramfs, imageHash: image.hash };
}

/** Pure: where the initramfs carrying this pair's policy cache lives. */
export function policyInitramfsPath(o: PolicyCacheOwner): string {
  return join(o.kernelDir, `policy-${basename(dirname(o.initramfs))}-${o.imageHash.slice(0, 12)}`, 'initramfs.cpio');
}

/** The initramfs a boot should use: with the policy cache once there is one. */
export function bootInitramfs(o: PolicyCacheOwner): string {
  const withPolicy = policyInitramfsPath(o);
  return existsSync(withPolicy) ? withPolicy : o.initramfs;
}

/**
 * Take the compiled policy from a guest whose apparmor.service has finished
 * and keep it (once per pair; a concurrent cell waits on the lock and finds
 * it built). Returns whether a cache was stored now.
 */
export async function harvestPolicyCache(ssh: Ssh, o: PolicyCacheOwner): Promise<boolean> {
  const dest = dirname(policyInitramfsPath(o));
  if (existsSync(dest)) return false;
  // Only compiled profiles under a features-hash directory are worth keeping.
  const r = await ssh.exec(`ls -d ${CACHE_DIR}/*.0 >/dev/null 2>&1 && tar -C ${CACHE_DIR} -cf - . | base64 -w0`, { timeoutMs: 60_000, maxOutput: 64 << 20 });
  if (r.exitCode !== 0 || !r.stdout) return false;
  const tar = Buffer.from(r.stdout, 'base64');
  const { built } = await buildOnce(dest, async (tmp) => {
    const base = await readFile(o.initramfs);
    // The kernel unpacks concatenated cpio archives in order (early-userspace docs).
    await writeFile(join(tmp, 'initramfs.cpio'), Buffer.concat([base, writeCpio([{ type: 'file', path: POLICY_TAR, data: tar }])]));
  });
  return built;
}
