import { chmod, copyFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { cacheRoot } from '../cache.ts';
import { join, resolve } from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { InfraError } from '../errors.ts';
import { sh } from '../proc.ts';
import { consoleFailure, lastLines, readConsole } from './console.ts';
import { freePort } from './ports.ts';
import { onCleanup, onExitSync } from './reaper.ts';
import type { Accel } from './accel.ts';
import { SNAPSHOT_NAME } from './snapcache.ts';

export interface BootSpec {
  vmlinuz: string;
  initramfs: string;
  /** Read-only ext4 with the kernel's lib/modules/<ver>, mounted on /usr/lib/modules. */
  modulesDisk?: string;
  /** Read-only qcow2 base; the guest writes to a throwaway overlay. Absent for initramfs-only boots. */
  base?: string;
  /** Extra kernel command line (the cell's stack goes here). */
  cmdline: string;
  accel: Accel;
  /** Directory for the overlay, console log and QMP socket; the console log is kept. */
  workDir: string;
  memoryMiB?: number;
  cpus?: number;
  machine?: string;
  /** A cached overlay holding the internal snapshot SNAPSHOT_NAME: copied, then started with -loadvm. */
  restoreFrom?: string;
}

export interface Vm {
  pid: number;
  sshPort: number;
  /** The throwaway overlay the guest writes to. */
  overlay?: string;
  consolePath: string;
  qmpPath: string;
  startedAt: number;
  /** Resolves when QEMU exits, with why. */
  exited: Promise<{ code: number | null; signal: string | null; stderr: string }>;
  isRunning(): boolean;
  /** What QEMU printed on stderr so far (bounded). */
  stderr(): string;
  /** Stop QEMU (SIGTERM, then SIGKILL) and remove the overlay. Safe to call twice. */
  stop(): Promise<void>;
}

/** QEMU's version (`7.2.22`), or undefined when it is not installed. */
export async function qemuVersion(): Promise<string | undefined> {
  const r = await execa('qemu-system-x86_64', ['--version'], { reject: false });
  return /version (\S+)/.exec(String(r.stdout))?.[1];
}

/** QEMU option values split on commas; a comma inside a path is written twice. */
export const qemuEscape = (path: string) => path.replace(/,/g, ',,');

export function qemuArgs(spec: BootSpec, paths: { overlay?: string; console: string; qmp: string }, sshPort: number): string[] {
  const append = ['console=ttyS0', 'root=/dev/vda', 'rw', 'panic=-1', 'oops=panic', 'net.ifnames=0', spec.cmdline].filter(Boolean).join(' ');
  const accel = spec.accel.kind === 'kvm' ? ['-accel', 'kvm', '-cpu', 'host'] : ['-accel', 'tcg,tb-size=256', '-cpu', 'max'];
  return [
    '-machine', spec.machine ?? 'q35',
    ...accel,
    '-smp', String(spec.cpus ?? 2),
    '-m', String(spec.memoryMiB ?? 2048),
    '-nodefaults', '-no-user-config', '-display', 'none', '-no-reboot',
    '-kernel', spec.vmlinuz,
    '-initrd', spec.initramfs,
    '-append', append,
    '-chardev', `file,id=con0,path=${qemuEscape(paths.console)}`,
    '-serial', 'chardev:con0',
    '-qmp', `unix:${qemuEscape(paths.qmp)},server=on,wait=off`,
    // The guest's sshd wants entropy early; without a source its start stalls under TCG.
    '-device', 'virtio-rng-pci',
    ...(paths.overlay ? ['-drive', `file=${qemuEscape(paths.overlay)},if=virtio,format=qcow2,cache=unsafe`] : []),
    ...(spec.modulesDisk ? ['-drive', `file=${qemuEscape(spec.modulesDisk)},if=virtio,format=raw,readonly=on`] : []),
    '-netdev', `user,id=net0,restrict=on,hostfwd=tcp:127.0.0.1:${sshPort}-:22`,
    '-device', 'virtio-net-pci,netdev=net0',
    ...(spec.restoreFrom ? ['-loadvm', SNAPSHOT_NAME] : []),
  ];
}

/** Pure: the QEMU command line without this boot's paths and port: what a saved guest state must match. */
export function qemuShape(spec: BootSpec): string {
  return qemuArgs({ ...spec, restoreFrom: undefined }, { overlay: 'OVERLAY', console: 'CONSOLE', qmp: 'QMP' }, 0).join(' ');
}

/** Boot one guest. Retries when QEMU loses the race for the forwarded port. */
export async function bootVm(spec: BootSpec): Promise<Vm> {
  await mkdir(spec.workDir, { recursive: true });
  const consolePath = join(resolve(spec.workDir), 'console.log');
  // The overlay lives in the cache's scratch space (it grows with what the guest
  // writes); the QMP socket in a short temp path (unix sockets allow ~107 bytes).
  await mkdir(join(cacheRoot(), 'scratch'), { recursive: true });
  const scratch = await mkdtemp(join(cacheRoot(), 'scratch', `vm-${process.pid}-`));
  const sockDir = await mkdtemp(join(tmpdir(), 'lsmm-'));
  const qmpPath = join(sockDir, 'qmp.sock');
  const overlay = spec.base ? join(scratch, 'overlay.qcow2') : undefined;
  const forgetLastResort = onExitSync(() => {
    rmSync(sockDir, { recursive: true, force: true });
    rmSync(scratch, { recursive: true, force: true });
  });
  const removeFiles = async () => {
    await rm(sockDir, { recursive: true, force: true });
    await rm(scratch, { recursive: true, force: true });
    forgetLastResort();
  };
  const forgetFiles = onCleanup(removeFiles);
  if (overlay && spec.base) {
    const make = spec.restoreFrom
      ? copyFile(spec.restoreFrom, overlay).then(() => chmod(overlay, 0o644))
      : sh('qemu-img', ['create', '-q', '-f', 'qcow2', '-b', spec.base, '-F', 'qcow2', overlay], { pkg: 'qemu-utils' });
    await make.catch(async (e) => {
      await removeFiles();
      forgetFiles();
      throw e;
    });
  }
  for (let attempt = 1; ; attempt++) {
    const sshPort = await freePort();
    const child = execa('qemu-system-x86_64', qemuArgs(spec, { overlay, console: consolePath, qmp: qmpPath }, sshPort), {
      reject: false, stdin: 'ignore', stdout: 'ignore', stderr: 'pipe', cleanup: true,
    });
    let stderr = '';
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (d: string) => { stderr = (stderr + d).slice(-8000); });
    let running = true;
    const exited = (child as ResultPromise).then((r: any) => {
      running = false;
      if (r.code === 'ENOENT') stderr = 'qemu-system-x86_64 is not installed: apt-get install qemu-system-x86';
      return { code: r.exitCode ?? null, signal: r.signal ?? null, stderr };
    });
    // Give QEMU a moment to fail on its arguments or on the port.
    const early = await Promise.race([exited, new Promise<null>((r) => setTimeout(() => r(null), 300))]);
    if (early) {
      if (/Could not set up host forwarding rule/.test(early.stderr) && attempt < 4) continue;
      await removeFiles();
      forgetFiles();
      throw new InfraError(`QEMU exited at start (code ${early.code}): ${early.stderr.trim().split('\n').slice(-3).join(' | ')}`);
    }
    let stopping: Promise<void> | undefined;
    const stop = () => (stopping ??= (async () => {
      if (running) {
        child.kill('SIGTERM');
        const t = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(t);
      }
      await removeFiles();
      unregister();
    })());
    const unregister = onCleanup(stop);
    forgetFiles();
    return { pid: child.pid!, sshPort, ...(overlay ? { overlay } : {}), consolePath, qmpPath, startedAt: Date.now(), exited, isRunning: () => running, stderr: () => stderr, stop };
  }
}

/** A boot that ended before it was useful: what the console or QEMU said. */
export async function describeDeath(vm: Vm): Promise<string> {
  const text = await readConsole(vm.consolePath);
  const why = consoleFailure(text);
  if (why) return why;
  const kvmStuck = /KVM internal error[^\n]*/.exec(vm.stderr());
  if (kvmStuck) return kvmStuck[0];
  if (!vm.isRunning()) {
    const e = await vm.exited;
    const kvm = /KVM internal error[^\n]*/.exec(e.stderr);
    return `QEMU exited (code ${e.code}${e.signal ? `, signal ${e.signal}` : ''})${kvm ? `: ${kvm[0]}` : e.stderr.trim() ? `: ${e.stderr.trim().split('\n').slice(-2).join(' | ')}` : ''}`;
  }
  return 'guest running but not answering';
}

export async function consoleTail(vm: Vm, n = 25): Promise<string[]> {
  return lastLines(await readConsole(vm.consolePath), n);
}
