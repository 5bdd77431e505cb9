import { resolveKernel, type Kernel, type Progress } from './kernels/resolve.ts';
import { ensureModulesDisk } from './kernels/modulesdisk.ts';
import { ensureInitramfs } from './vm/initramfs/build.ts';

/** A kernel with everything a boot needs next to it: our initramfs and its modules disk. */
export interface PreparedKernel extends Kernel {
  initramfs: string;
  modulesDisk?: string;
}

export async function prepareKernel(name: string, progress: Progress = () => {}): Promise<PreparedKernel> {
  const k = await resolveKernel(name, progress);
  const initramfs = await ensureInitramfs(k);
  const modulesDisk = await ensureModulesDisk(k);
  return { ...k, initramfs, ...(modulesDisk ? { modulesDisk } : {}) };
}
