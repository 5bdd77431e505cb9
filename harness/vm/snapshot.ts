import { InfraError } from '../errors.ts';
import { Qmp } from './qmp.ts';
import { waitForSsh } from './ready.ts';
import type { Ssh } from './ssh.ts';
import type { Vm } from './qemu.ts';

const NAME = 'lsm-matrix-booted';

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

  async save(): Promise<number> {
    const t = Date.now();
    const out = await this.qmp.hmp(`savevm ${NAME}`);
    if (out.trim()) throw new InfraError(`savevm failed: ${out.trim()}`);
    return (Date.now() - t) / 1000;
  }

  /** Close `old`, restore the snapshot, log in again. */
  async restore(old: Ssh): Promise<{ ssh: Ssh; seconds: number }> {
    const t = Date.now();
    old.close();
    const out = await this.qmp.hmp(`loadvm ${NAME}`);
    if (out.trim()) throw new InfraError(`loadvm failed: ${out.trim()}`);
    const ssh = await waitForSsh(this.vm, { privateKey: this.privateKey, deadlineMs: 60_000 });
    return { ssh, seconds: (Date.now() - t) / 1000 };
  }

  close(): void {
    this.qmp.close();
  }
}
