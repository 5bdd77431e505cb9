import { connect } from 'node:net';
import { InfraError, messageOf } from '../errors.ts';
import { Ssh } from './ssh.ts';
import { consoleTail, describeDeath, type Vm } from './qemu.ts';
import { consoleFailure, readConsole } from './console.ts';

export interface ReadyOptions {
  privateKey: Buffer;
  deadlineMs: number;
  /** The command that proves a login works (default `true`); a restore sets the guest's clock with it. */
  firstCommand?: () => string;
  /** sshd is known to be listening (a restored snapshot): the first attempt logs in without a banner check. */
  sshdListening?: boolean;
  /** Called with each attempt's failure (for progress lines). */
  onAttempt?: (n: number, error: string) => void;
}

/**
 * Whether sshd answers with its banner within `ms`. QEMU's user network
 * accepts the host side of a forwarded port at once; while the guest has no
 * address yet the connection just hangs, so a full SSH connect would sit out
 * its whole timeout (up to 8 s measured) after sshd came up. A short banner
 * check first, and the real login only once sshd speaks.
 */
export function sshBanner(port: number, ms: number): Promise<'banner' | 'closed' | 'timeout'> {
  return new Promise((resolve) => {
    const sock = connect({ host: '127.0.0.1', port });
    const done = (how: 'banner' | 'closed' | 'timeout') => { clearTimeout(timer); sock.destroy(); resolve(how); };
    const timer = setTimeout(() => done('timeout'), ms);
    sock.once('data', (d) => done(d.toString('latin1').startsWith('SSH-') ? 'banner' : 'closed'));
    sock.once('error', () => done('closed'));
    sock.once('close', () => done('closed'));
  });
}

/** Banner checks that time out in a row before falling back to plain logins (a guest too loaded to send one in time). */
const BANNER_TRIES = 10;
const BANNER_MS = 3000;

/**
 * Wait until the guest accepts an SSH login and runs `true`. Fails early when
 * QEMU exits or the console shows a panic / initramfs failure; on timeout the
 * error says which step never happened and carries the console's last lines.
 */
export async function waitForSsh(vm: Vm, opts: ReadyOptions): Promise<Ssh> {
  const t0 = Date.now();
  let lastError = 'no attempt yet';
  let silent = 0;
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
    // The banner check is a TCP connection sshd forks for: ≈ 0.2 s under TCG after a loadvm.
    const banner = (n === 1 && opts.sshdListening) || silent >= BANNER_TRIES ? 'banner' : await sshBanner(vm.sshPort, BANNER_MS);
    if (banner !== 'banner') {
      if (banner === 'timeout') silent++;
      lastError = 'sshd did not answer yet';
      await new Promise((r) => setTimeout(r, 250));
      continue;
    }
    silent = 0;
    try {
      const ssh = await Ssh.connect({ host: '127.0.0.1', port: vm.sshPort, username: 'root', privateKey: opts.privateKey }, 8000);
      const command = opts.firstCommand?.() ?? 'true';
      const r = await ssh.exec(command, { timeoutMs: 20_000 });
      if (r.exitCode === 0) return ssh;
      ssh.close();
      lastError = `\`${command}\` exited ${r.exitCode}`;
    } catch (e) {
      lastError = messageOf(e);
    }
    opts.onAttempt?.(n, lastError);
    await new Promise((r) => setTimeout(r, 500));
  }
}
