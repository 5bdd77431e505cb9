import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bootVm, describeDeath } from './qemu.ts';
import { readConsole } from './console.ts';
import type { Accel } from './accel.ts';

export interface FloorResult {
  reached: boolean;
  seconds: number;
  why?: string;
}

/**
 * The bare minimum a boot of this kernel costs: kernel + our busybox
 * initramfs until its /init prints a marker. Used to prove an accelerator
 * works and as the baseline of every boot-time ratio.
 */
export async function floorBoot(vmlinuz: string, initramfs: string, accel: Accel, timeoutMs = 60_000): Promise<FloorResult> {
  const workDir = await mkdtemp(join(tmpdir(), 'lsm-matrix-floor-'));
  const t0 = Date.now();
  const vm = await bootVm({ vmlinuz, initramfs, cmdline: 'lsm_matrix.floor=1 quiet', accel, workDir, memoryMiB: 512 });
  try {
    for (;;) {
      if ((await readConsole(vm.consolePath)).includes('LSM-MATRIX-FLOOR-REACHED')) {
        return { reached: true, seconds: (Date.now() - t0) / 1000 };
      }
      // A KVM guest that hits an emulation failure is paused, not ended: read stderr.
      if (!vm.isRunning() || /KVM internal error/.test(vm.stderr())) return { reached: false, seconds: (Date.now() - t0) / 1000, why: await describeDeath(vm) };
      if (Date.now() - t0 > timeoutMs) return { reached: false, seconds: (Date.now() - t0) / 1000, why: `no init marker within ${timeoutMs / 1000} s` };
      await new Promise((r) => setTimeout(r, 25));
    }
  } finally {
    await vm.stop();
    await rm(workDir, { recursive: true, force: true });
  }
}
