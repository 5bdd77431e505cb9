import { InfraError } from '../errors.ts';
import { Qmp } from './qmp.ts';
import { waitForSsh } from './ready.ts';
import type { Ssh } from './ssh.ts';
import type { Vm } from './qemu.ts';
import { SNAPSHOT_NAME } from './snapcache.ts';

/**
 * The booted state of a guest as an internal qcow2 snapshot of its overlay:
 * `save` once after the probe, `restore` (loadvm + a new SSH login) before
 * every scenario file after the first. Both return seconds taken.
 */
export class Snapshot {
  private constructor(private readonly qmp: Qmp, private readonly vm: Vm, private readonly privateKey: Buffer) {}

  static async open(vm: Vm, privateKey: Buffer): Promise<Snapshot> {
    return new Snapshot(await Qmp.connect(vm.qmpPath), vm, privateKey);
  }

  /** The QMP connection, for the snapshot cache (which saves and copies in one pause). */
  get monitor(): Qmp {
    return this.qmp;
  }

  async save(): Promise<number> {
    const t = Date.now();
    const out = await this.qmp.hmp(`savevm ${SNAPSHOT_NAME}`);
    if (out.trim()) throw new InfraError(`savevm failed: ${out.trim()}`);
    return (Date.now() - t) / 1000;
  }

  /** Close `old`, restore the snapshot, log in again. */
  async restore(old: Ssh): Promise<{ ssh: Ssh; seconds: number }> {
    const t = Date.now();
    old.close();
    const out = await this.qmp.hmp(`loadvm ${SNAPSHOT_NAME}`);
    if (out.trim()) throw new InfraError(`loadvm failed: ${out.trim()}`);
    const ssh = await loginAfterLoadvm(this.vm, this.privateKey);
    return { ssh, seconds: (Date.now() - t) / 1000 };
  }

  close(): void {
    this.qmp.close();
  }
}

/**
 * A restored guest's clock is the saved one: the first command after a
 * restore sets it to now, as scenarios compare times (snap, docker).
 */
const setGuestClock = () => `date -s @${Math.floor(Date.now() / 1000)} >/dev/null`;

/**
 * The login into a guest just restored (a reset, or a warm start from the
 * snapshot cache): sshd was listening when the state was saved, and the
 * clock is set with the first command.
 */
export function loginAfterLoadvm(vm: Vm, privateKey: Buffer): Promise<Ssh> {
  return waitForSsh(vm, { privateKey, deadlineMs: 60_000, firstCommand: setGuestClock, sshdListening: true });
}
