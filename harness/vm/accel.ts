import { access, constants } from 'node:fs/promises';

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
  const { floorBoot } = await import('./floor.ts');
  const r = await floorBoot(vmlinuz, initramfs, { kind: "kvm", reason: "probe" }, 10_000);
  if (r.reached) return { kind: 'kvm', reason: `KVM probe boot reached init in ${r.seconds.toFixed(2)} s` };
  return { kind: 'tcg', reason: `KVM probe boot failed: ${r.why}` };
}
