import { InfraError, messageOf } from '../errors.ts';
import { Ssh } from './ssh.ts';
import { consoleTail, describeDeath, type Vm } from './qemu.ts';
import { consoleFailure, readConsole } from './console.ts';

export interface ReadyOptions {
  privateKey: Buffer;
  deadlineMs: number;
  /** Called with each attempt's failure (for progress lines). */
  onAttempt?: (n: number, error: string) => void;
}

/**
 * Wait until the guest accepts an SSH login and runs `true`. Fails early when
 * QEMU exits or the console shows a panic / initramfs failure; on timeout the
 * error says which step never happened and carries the console's last lines.
 */
export async function waitForSsh(vm: Vm, opts: ReadyOptions): Promise<Ssh> {
  const t0 = Date.now();
  let lastError = 'no attempt yet';
  for (let n = 1; ; n++) {
    const died = !vm.isRunning() || /KVM internal error/.test(vm.stderr()) || consoleFailure(await readConsole(vm.consolePath));
    if (died) {
      throw new InfraError(`guest died before SSH was ready: ${await describeDeath(vm)}`, (await consoleTail(vm)).join('\n'));
    }
    if (Date.now() - t0 > opts.deadlineMs) {
      const tail = await consoleTail(vm);
      const step = /LSM-MATRIX-INITRAMFS-START/.test(await readConsole(vm.consolePath))
        ? (tail.some((l) => /Started.*OpenSSH|ssh\.service/.test(l)) ? 'sshd started but login failed' : 'systemd did not start sshd')
        : 'kernel never reached the initramfs';
      throw new InfraError(`SSH not ready after ${Math.round(opts.deadlineMs / 1000)} s (${step}; last SSH error: ${lastError})`, tail.join('\n'));
    }
    try {
      const ssh = await Ssh.connect({ host: '127.0.0.1', port: vm.sshPort, username: 'root', privateKey: opts.privateKey }, 8000);
      const r = await ssh.exec('true', { timeoutMs: 20_000 });
      if (r.exitCode === 0) return ssh;
      ssh.close();
      lastError = `\`true\` exited ${r.exitCode}`;
    } catch (e) {
      lastError = messageOf(e);
    }
    opts.onAttempt?.(n, lastError);
    await new Promise((r) => setTimeout(r, 500));
  }
}
