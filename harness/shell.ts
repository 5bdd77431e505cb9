import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { prepareKernel } from './prepare.ts';
import { ensureImage } from './images/build.ts';
import { chooseAccel } from './vm/accel.ts';
import { ensureKey } from './vm/sshkey.ts';
import { bootCell } from './cell.ts';
import { InfraError, retryable } from './errors.ts';
import type { Stack } from './stack.ts';

/**
 * `lsm-matrix shell`: one guest, one interactive root shell (or one command
 * with `exec`, whose exit status becomes ours), nothing left afterwards.
 */
export async function openShell(kernelName: string, stack: Stack, log: (l: string) => void, exec?: string): Promise<number> {
  const kernel = await prepareKernel(kernelName, (l) => log(`kernel: ${l}`));
  const image = await ensureImage('bookworm-containers', log);
  const key = await ensureKey();
  const accel = await chooseAccel(kernel.files.vmlinuz, kernel.initramfs);
  const outDir = await mkdtemp(join(tmpdir(), 'lsm-matrix-shell-'));
  try {
    log(`booting ${kernelName} ${stack.id} (${accel.kind}: ${accel.reason})`);
    const boot = () => bootCell({ id: `${kernelName} ${stack.id}`, kernel: kernelName, stack }, {
      kernel, image, accel, privateKey: key.privateKey, outDir, bootTimeoutSeconds: 240, memoryMiB: 2048, cpus: 2, progress: log,
    });
    // The same one retry as a run's cell gets: under TCG a panic may be the emulator's.
    const booted = await boot().catch((e: unknown) => {
      if (!(e instanceof InfraError) || !retryable(e.message, accel.kind)) throw e;
      log(`infrastructure error, booting once more: ${e.message.split('\n')[0]}`);
      return boot();
    });
    try {
      if (exec !== undefined) {
        log(`ready in ${booted.bootSeconds.toFixed(1)} s; running the command`);
        const r = await booted.ssh.exec(exec, { timeoutMs: 60 * 60_000, maxOutput: 64 << 20 });
        process.stdout.write(r.stdout);
        process.stderr.write(r.stderr);
        return r.exitCode;
      }
      log(`ready in ${booted.bootSeconds.toFixed(1)} s; console log: ${booted.vm.consolePath}; exit the shell to stop the guest`);
      await booted.ssh.shell();
      return 0;
    } finally {
      booted.ssh.close();
      await booted.vm.stop();
    }
  } finally {
    await rm(outDir, { recursive: true, force: true });
  }
}
