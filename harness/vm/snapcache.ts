/**
 * The snapshot cache: a cell's booted-and-probed guest, kept across runs as
 * a copy of its qcow2 overlay holding an internal snapshot (disk and RAM).
 * A later run of the same cell copies it to a throwaway overlay and starts
 * QEMU with -loadvm instead of booting. The key covers everything the saved
 * state depends on; an entry that fails any check is deleted, never used.
 */
import { copyFile, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { execa } from 'execa';
import { buildOnce, cacheRoot, exists } from '../cache.ts';
import type { Qmp } from './qmp.ts';

/** Bump when what a saved state means changes (QEMU arguments, guest-side setup). */
const FORMAT = 'snapshot/v1';
export const SNAPSHOT_NAME = 'lsm-matrix-booted';

/** Everything a booted guest's state depends on. */
export interface SnapshotKeyParts {
  kernelDir: string;
  initramfs: string;
  modulesDisk?: string;
  imageHash: string;
  base: string;
  cmdline: string;
  accel: string;
  memoryMiB: number;
  cpus: number;
  qemuVersion: string;
  /** The QEMU command line minus per-boot paths and ports. */
  qemuShape: string;
}

/** Pure: the cache key of a set of parts (order-independent). */
export function snapshotKey(parts: SnapshotKeyParts): string {
  const sorted = Object.fromEntries(Object.entries({ format: FORMAT, ...parts }).sort(([a], [b]) => a.localeCompare(b)));
  return createHash('sha256').update(JSON.stringify(sorted)).digest('hex').slice(0, 20);
}

export const snapshotsDir = () => join(cacheRoot(), 'snapshots');

export function snapshotDisabled(): boolean {
  return process.env.LSM_MATRIX_SNAPSHOTS === '0';
}

/**
 * The entry's disk if it passes the checks: its files are there, its base
 * still exists and is the one it was made on, and qemu-img sees the
 * snapshot. Otherwise the entry is removed and `stale` says why.
 */
export async function findSnapshot(key: string, base: string): Promise<{ disk?: string; stale?: string }> {
  const dir = join(snapshotsDir(), key);
  if (!(await exists(dir))) return {};
  const disk = join(dir, 'disk.qcow2');
  const why = await checkEntry(dir, disk, base);
  if (why) {
    await rm(dir, { recursive: true, force: true });
    return { stale: why };
  }
  return { disk };
}

async function checkEntry(dir: string, disk: string, base: string): Promise<string | undefined> {
  const meta = await readFile(join(dir, 'meta.json'), 'utf8').then(JSON.parse).catch(() => undefined);
  if (!meta) return 'meta.json missing or unreadable';
  const st = await stat(disk).catch(() => undefined);
  if (!st || st.size !== meta.size) return `disk.qcow2 is ${st ? `${st.size} bytes, expected ${meta.size}` : 'missing'}`;
  const info = await execa('qemu-img', ['info', '--force-share', '--output=json', disk], { reject: false });
  if (info.exitCode !== 0) return `qemu-img cannot read it: ${String(info.stderr).trim().split('\n')[0]}`;
  const j = JSON.parse(String(info.stdout));
  if (j['backing-filename'] !== base) return `made on base ${j['backing-filename']}, not ${base}`;
  if (!(j.snapshots ?? []).some((s: { name: string }) => s.name === SNAPSHOT_NAME)) return `no snapshot ${SNAPSHOT_NAME} inside`;
  // Exit 3 is leaked clusters only: space the copy taken from a running QEMU
  // has not given back yet, harmless to the data.
  const check = await execa('qemu-img', ['check', '--force-share', '-q', disk], { reject: false });
  if (check.exitCode !== 0 && check.exitCode !== 3) return `qemu-img check: ${String(check.stdout + check.stderr).trim().split('\n')[0] || `exit ${check.exitCode}`}`;
  return undefined;
}

/**
 * Save the running guest (savevm) and keep a copy of its overlay under `key`.
 * The guest is paused while its overlay is copied so the copy is consistent.
 */
export async function storeSnapshot(key: string, qmp: Qmp, overlay: string, meta: Record<string, unknown>): Promise<number> {
  const t = Date.now();
  await mkdir(snapshotsDir(), { recursive: true });
  await qmp.command('stop');
  try {
    const out = await qmp.hmp(`savevm ${SNAPSHOT_NAME}`);
    if (out.trim()) throw new Error(`savevm failed: ${out.trim()}`);
    await buildOnce(join(snapshotsDir(), key), async (tmp) => {
      await copyFile(overlay, join(tmp, 'disk.qcow2'));
      const { size } = await stat(join(tmp, 'disk.qcow2'));
      await writeFile(join(tmp, 'meta.json'), JSON.stringify({ ...meta, size, savedAt: new Date().toISOString() }, null, 2));
    });
  } finally {
    await qmp.command('cont');
  }
  return (Date.now() - t) / 1000;
}

export async function dropSnapshot(key: string): Promise<void> {
  await rm(join(snapshotsDir(), key), { recursive: true, force: true });
}
