import { readFile, writeFile, mkdir } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { UserError } from '../../errors.ts';
import { buildOnce, exists } from '../../cache.ts';
import { writeCpio, type CpioEntry } from '../cpio.ts';
import type { Kernel } from '../../kernels/resolve.ts';

const INIT = fileURLToPath(new URL('./init.sh', import.meta.url));
const BUSYBOX = '/bin/busybox';
const APPLETS = ['sh', 'mount', 'umount', 'insmod', 'switch_root', 'mkdir', 'cat', 'sleep', 'echo', 'poweroff', 'tar', 'ip'];

/**
 * What the root disk needs: the virtio PCI transport (built in on 6.12, a
 * module on 6.1), the block driver, ext4, and crc32c_generic, which 6.12's
 * ext4 asks the crypto API for and which nothing would load otherwise; and
 * the network driver, so the initramfs can give the guest its address.
 */
export const ROOT_MODULES = ['virtio_pci', 'virtio_blk', 'crc32c_generic', 'ext4', 'virtio_net'];

const modName = (path: string) => path.replace(/^.*\//, '').replace(/\.ko(\.(xz|zst|gz))?$/, '').replace(/-/g, '_');

/**
 * Pure: the modules to insmod, dependencies first, from modules.dep.
 * Built-in modules (in modules.builtin) are left out; so are names the
 * kernel does not have at all (they may be built in under another name).
 */
export function moduleLoadOrder(modulesDep: string, modulesBuiltin: string, wanted: string[]): string[] {
  const deps = new Map<string, { path: string; deps: string[] }>();
  for (const line of modulesDep.split('\n')) {
    const [path, rest = ''] = line.split(':');
    if (!path) continue;
    deps.set(modName(path), { path, deps: rest.trim().split(/\s+/).filter(Boolean).map(modName) });
  }
  const builtin = new Set(modulesBuiltin.split('\n').filter(Boolean).map(modName));
  const order: string[] = [];
  const seen = new Set<string>();
  const visit = (name: string) => {
    if (seen.has(name) || builtin.has(name)) return;
    seen.add(name);
    const m = deps.get(name);
    if (!m) return;
    for (const d of m.deps) visit(d);
    order.push(m.path);
  };
  for (const w of wanted) visit(w.replace(/-/g, '_'));
  return order;
}

async function decompressed(path: string): Promise<Buffer> {
  if (path.endsWith('.xz')) return (await execa('xz', ['-dc', path], { encoding: 'buffer' })).stdout as unknown as Buffer;
  if (path.endsWith('.zst')) return (await execa('zstd', ['-dcq', path], { encoding: 'buffer' })).stdout as unknown as Buffer;
  if (path.endsWith('.gz')) return gunzipSync(await readFile(path));
  return readFile(path);
}

export async function initramfsEntries(kernel: Kernel): Promise<CpioEntry[]> {
  if (!(await exists(BUSYBOX))) throw new UserError(`${BUSYBOX} not found: apt-get install busybox-static`);
  const entries: CpioEntry[] = [
    ...['bin', 'dev', 'proc', 'sys', 'newroot', 'lib', 'lib/modules'].map((path) => ({ type: 'dir' as const, path })),
    { type: 'chardev', path: 'dev/console', major: 5, minor: 1 },
    { type: 'file', path: 'bin/busybox', data: await readFile(BUSYBOX), mode: 0o755 },
    ...APPLETS.map((a) => ({ type: 'symlink' as const, path: `bin/${a}`, target: 'busybox' })),
    { type: 'file', path: 'init', data: await readFile(INIT), mode: 0o755 },
  ];
  const load: string[] = [];
  const { modulesRoot, version } = kernel.files;
  if (modulesRoot) {
    const base = join(modulesRoot, 'lib', 'modules', version);
    const dep = await readFile(join(base, 'modules.dep'), 'utf8');
    const builtin = await readFile(join(base, 'modules.builtin'), 'utf8').catch(() => '');
    for (const rel of moduleLoadOrder(dep, builtin, ROOT_MODULES)) {
      const name = `${modName(rel)}.ko`;
      entries.push({ type: 'file', path: `lib/modules/${name}`, data: await decompressed(join(base, rel)) });
      load.push(name);
    }
  }
  entries.push({ type: 'file', path: 'modules.load', data: Buffer.from(load.map((l) => `${l}\n`).join('')) });
  return entries;
}

/** The kernel's initramfs, cached in its directory by the hash of what went in. */
export async function ensureInitramfs(kernel: Kernel): Promise<string> {
  const h = createHash('sha256').update(await readFile(INIT)).update(ROOT_MODULES.join(',')).update(await readFile(BUSYBOX).catch(() => Buffer.alloc(0)));
  const dir = join(kernel.dir, `initramfs-${h.digest('hex').slice(0, 12)}`);
  await buildOnce(dir, async (tmp) => {
    await writeFile(join(tmp, 'initramfs.cpio'), writeCpio(await initramfsEntries(kernel)));
  });
  return join(dir, 'initramfs.cpio');
}
