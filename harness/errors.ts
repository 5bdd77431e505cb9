/**
 * A problem the user can fix (bad input, missing tool, unknown kernel).
 * The CLI prints its message once, on one line, and exits 2.
 */
export class UserError extends Error {
  override name = 'UserError';
}

/** The harness or the guest broke while doing its job: a verdict of `error`, never `fail`. */
export class InfraError extends Error {
  override name = 'InfraError';
  constructor(message: string, readonly detail?: string) {
    super(message);
  }
}

export function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/**
 * Pure: whether a cell's error may be the infrastructure's (worth one more
 * try) rather than the kernel's. An initramfs that cannot find its disk or a
 * file that is not a kernel will do the same again. A panic under KVM is the
 * kernel's; under TCG it may be the emulator's (seen here on Debian 6.12: an
 * int3 oops while the kernel patched its own text, a double fault as udev
 * loaded kvm_amd), so it gets the one retry and is reported if it repeats.
 */
export function retryable(message: string, accel: 'kvm' | 'tcg'): boolean {
  if (/initramfs|not a kernel|no such file/i.test(message)) return false;
  return accel === 'tcg' || !/kernel panic/i.test(message);
}
