import { access, constants, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { cacheRoot } from '../cache.ts';
import { qemuVersion } from './qemu.ts';

export interface Accel {
  kind: 'kvm' | 'tcg';
  /** Why this accelerator: what the probe saw. Recorded in run.json. */
  reason: string;
}

let decided: Promise<Accel> | undefined;

/**
 * KVM when a tiny boot of a real kernel under KVM reaches init; TCG
 * otherwise, saying why. /dev/kvm existing is not enough: on nested "PVM"
 * hosts the guest dies with `KVM internal error ... emulation failure`.
 * `LSM_MATRIX_ACCEL=tcg|kvm` skips the probe.
 */
export function chooseAccel(vmlinuz: string, initramfs: string): Promise<Accel> {
  return (decided ??= probe(vmlinuz, initramfs));
}

async function probe(vmlinuz: string, initramfs: string): Promise<Accel> {
  const forced = process.env.LSM_MATRIX_ACCEL;
  if (forced === 'tcg' || forced === 'kvm') return { kind: forced, reason: `forced by LSM_MATRIX_ACCEL=${forced}` };
  try {
    await access('/dev/kvm', constants.R_OK | constants.W_OK);
  } catch (e: any) {
    return { kind: 'tcg', reason: `/dev/kvm not usable (${e?.code ?? e})` };
  }
  // One probe per host boot and QEMU build: what KVM can do does not change in between.
  const bootId = (await readFile('/proc/sys/kernel/random/boot_id', 'utf8').catch(() => '')).trim();
  const qemu = await qemuVersion();
  const file = join(cacheRoot(), 'accel.json');
  const known = await readFile(file, 'utf8').then(JSON.parse).catch(() => undefined);
  if (bootId && known?.bootId === bootId && known?.qemu === qemu && (known.kind === 'kvm' || known.kind === 'tcg')) {
    return { kind: known.kind, reason: `${known.reason} (probed ${known.at}, same host boot and QEMU)` };
  }
  const { floorBoot } = await import('./floor.ts');
  const r = await floorBoot(vmlinuz, initramfs, { kind: 'kvm', reason: 'probe' }, 10_000);
  const accel: Accel = r.reached
    ? { kind: 'kvm', reason: `KVM probe boot reached init in ${r.seconds.toFixed(2)} s` }
    : { kind: 'tcg', reason: `KVM probe boot failed: ${r.why}` };
  await mkdir(cacheRoot(), { recursive: true });
  await writeFile(file, JSON.stringify({ ...accel, bootId, qemu, at: new Date().toISOString() })).catch(() => {});
  return accel;
}
