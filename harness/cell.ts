import { join } from 'node:path';
import { InfraError, messageOf } from './errors.ts';
import { missingLsms } from './stack.ts';
import { bootVm, describeDeath, qemuShape, type BootSpec, type Vm } from './vm/qemu.ts';
import { dropSnapshot, findSnapshot, snapshotKey, storeSnapshot } from './vm/snapcache.ts';
import { waitForSsh } from './vm/ready.ts';
import { interruptedBy } from './vm/reaper.ts';
import type { Ssh } from './vm/ssh.ts';
import { PROBE_SCRIPT, parseProbe } from './guest/probe.ts';
import type { Accel } from './vm/accel.ts';
import type { Cell } from './matrix.ts';
import type { CellResult, TestResult } from './results.ts';
import type { PreparedKernel } from './prepare.ts';
import type { Image } from './images/build.ts';
import { readFile } from 'node:fs/promises';
import { Snapshot, loginAfterLoadvm } from './vm/snapshot.ts';
import { Guest, type CellFacts } from './guest/guest.ts';
import { runScenarios } from './scenario/runner.ts';
import { KernelLog } from './guest/kmsg.ts';
import { bootInitramfs, harvestPolicyCache, policyOwner } from './guest/policy-cache.ts';
import { parseKernelConfig } from './scenario/requirements.ts';

export interface CellEnv {
  kernel: PreparedKernel;
  image: Image;
  accel: Accel;
  privateKey: Buffer;
  /** results/<run>/cells/<cell-dir> */
  outDir: string;
  bootTimeoutSeconds: number;
  memoryMiB: number;
  cpus: number;
  progress: (line: string) => void;
  /** Each scenario file's results as it ends (they are in the result's tests already). */
  fileDone?: (tests: TestResult[]) => void;
  /** Absolute paths of the scenario files to run in this cell, in order. */
  scenarioFiles?: string[];
  testTimeoutSeconds?: number;
  testName?: string;
  /** Open an interactive shell in the guest when a test fails (spread's -debug). */
  shellOnFail?: boolean;
  /** Start from / save to the snapshot cache; needs QEMU's version for the key. `refresh`: drop the entry, boot, save anew. */
  snapshotCache?: { qemuVersion: string; refresh?: boolean };
  /** Boot as the first boot of this kernel and image does, compiling the AppArmor policy (bench). */
  noPolicyCache?: boolean;
}

export interface BootedCell {
  vm: Vm;
  ssh: Ssh;
  bootSeconds: number;
  /** Booted, or restored from the snapshot cache (key given when the cache is on). */
  from: 'boot' | 'snapshot';
  key?: string;
}

function bootSpec(cell: Cell, env: CellEnv): BootSpec {
  return {
    vmlinuz: env.kernel.files.vmlinuz,
    initramfs: env.noPolicyCache ? env.kernel.initramfs : bootInitramfs(policyOwner(env.kernel, env.image)),
    modulesDisk: env.kernel.modulesDisk,
    base: env.image.base,
    cmdline: cell.stack.cmdline,
    accel: env.accel,
    workDir: env.outDir,
    memoryMiB: env.memoryMiB,
    cpus: env.cpus,
  };
}

/** The cell's key in the snapshot cache; undefined when the cache is off. */
export function cellSnapshotKey(cell: Cell, env: CellEnv): string | undefined {
  return cacheKey(bootSpec(cell, env), env);
}

function cacheKey(spec: BootSpec, env: CellEnv): string | undefined {
  if (!env.snapshotCache) return undefined;
  // The base initramfs, not the one carrying the AppArmor policy cache: a
  // guest booted with the cache is the guest that compiled it (apparmor_parser
  // checks the cache), so either boot's snapshot serves.
  return snapshotKey({
    kernelDir: env.kernel.dir, initramfs: env.kernel.initramfs, ...(spec.modulesDisk ? { modulesDisk: spec.modulesDisk } : {}),
    imageHash: env.image.hash, base: env.image.base, cmdline: spec.cmdline, accel: spec.accel.kind,
    memoryMiB: env.memoryMiB, cpus: env.cpus, qemuVersion: env.snapshotCache.qemuVersion, qemuShape: qemuShape({ ...spec, initramfs: env.kernel.initramfs }),
  });
}

/** Start from the snapshot cache; any failure removes the entry and returns undefined (the caller boots). */
async function restoreCell(spec: BootSpec, key: string, env: CellEnv): Promise<BootedCell | undefined> {
  const found = await findSnapshot(key, env.image.base);
  if (found.stale) env.progress(`snapshot cache entry was stale (${found.stale}): removed, booting`);
  if (!found.disk) return undefined;
  const t0 = Date.now();
  let vm: Vm | undefined;
  try {
    // RAM comes from the snapshot; the initramfs is only on the command line.
    vm = await bootVm({ ...spec, initramfs: env.kernel.initramfs, restoreFrom: found.disk });
    const ssh = await loginAfterLoadvm(vm, env.privateKey);
    return { vm, ssh, bootSeconds: (Date.now() - t0) / 1000, from: 'snapshot', key };
  } catch (e) {
    await vm?.stop();
    await dropSnapshot(key);
    env.progress(`snapshot cache entry unusable (${messageOf(e).split('\n')[0]}): removed, booting`);
    return undefined;
  }
}

/** Boot the cell's guest (or restore it from the snapshot cache) and log in. The caller owns vm.stop(). */
export async function bootCell(cell: Cell, env: CellEnv): Promise<BootedCell> {
  const spec = bootSpec(cell, env);
  const key = cacheKey(spec, env);
  if (key && env.snapshotCache?.refresh) await dropSnapshot(key);
  const restored = key ? await restoreCell(spec, key, env) : undefined;
  if (restored) return restored;
  const t0 = Date.now();
  const vm = await bootVm(spec);
  try {
    const ssh = await waitForSsh(vm, { privateKey: env.privateKey, deadlineMs: env.bootTimeoutSeconds * 1000 });
    return { vm, ssh, bootSeconds: (Date.now() - t0) / 1000, from: 'boot', ...(key ? { key } : {}) };
  } catch (e) {
    await vm.stop();
    throw e;
  }
}

/**
 * @vitest/runner keeps the current suite and test in module-wide state, so two
 * cells of one process must not collect or run scenarios at the same time
 * (one cell's `test()` calls would land inside the other's running test).
 * With --jobs > 1 boots and probes overlap; scenario phases take turns.
 */
let scenarioTurn: Promise<unknown> = Promise.resolve();
function inTurn<T>(fn: () => Promise<T>): Promise<T> {
  const mine = scenarioTurn.then(fn, fn);
  scenarioTurn = mine.catch(() => undefined);
  return mine;
}

/**
 * Run the scenario files in the booted, probed guest; before every file after
 * the first, restore the snapshot (QMP loadvm) and log in again, so no
 * scenario sees another's leftovers.
 */
async function runCellScenarios(booted: BootedCell, snapshot: Snapshot, facts: CellFacts, env: CellEnv, result: CellResult) {
  return inTurn(() => runCellScenariosNow(booted, snapshot, facts, env, result));
}

async function runCellScenariosNow(booted: BootedCell, snapshot: Snapshot, facts: CellFacts, env: CellEnv, result: CellResult) {
  const guest = new Guest(booted.ssh, facts);
  const kernelConfig = env.kernel.files.config ? parseKernelConfig(await readFile(env.kernel.files.config, 'utf8')) : undefined;
  let kernelLog = await KernelLog.follow(booted.ssh);
  const reset = async () => {
    kernelLog.close();
    const { ssh, seconds } = await snapshot.restore(booted.ssh);
    booted.ssh = ssh;
    guest.reconnect(ssh);
    kernelLog = await KernelLog.follow(ssh);
    return seconds;
  };
  const raw = async (cmd: string) => (await booted.ssh.exec(cmd, { timeoutMs: 30_000 })).stdout;
  try {
    const { tests, resets, broken } = await runScenarios(env.scenarioFiles ?? [], {
      guest, reset, raw, kernelLog: () => kernelLog, progress: env.progress,
      // Finished files land in the cell's result at once: a Ctrl-C writes them out.
      // After a signal, files end because their guest was stopped: not a verdict.
      onFileDone: (tests) => {
        if (interruptedBy()) return;
        result.tests.push(...tests);
        env.fileDone?.(tests);
      },
      ...(kernelConfig ? { kernelConfig } : {}),
      ...(env.testTimeoutSeconds ? { testTimeoutMs: env.testTimeoutSeconds * 1000 } : {}),
      ...(env.testName ? { testName: env.testName } : {}),
      ...(env.shellOnFail ? { onFailure: async (name: string) => {
        if (!process.stdin.isTTY) return env.progress(`--shell-on-fail: "${name}" failed, but stdin is not a terminal; no shell`);
        env.progress(`"${name}" failed: a shell in the guest at the point of failure; exit it to go on`);
        await booted.ssh.shell();
      } } : {}),
    });
    return { tests, broken, resets };
  } finally {
    kernelLog.close();
  }
}

/**
 * The state scenario files are reset to: saved once after the probe (and
 * kept in the snapshot cache when it is on); a guest restored from the cache
 * already holds it.
 */
async function saveBooted(cell: Cell, booted: BootedCell, snapshot: Snapshot, env: CellEnv, result: CellResult): Promise<number> {
  if (booted.from === 'snapshot') return 0;
  if (booted.key && booted.vm.overlay) {
    try {
      const seconds = await storeSnapshot(booted.key, snapshot.monitor, booted.vm.overlay, { cell: cell.id, kernel: env.kernel.source, release: result.kernel.release });
      env.progress(`saved to the snapshot cache in ${seconds.toFixed(1)} s`);
      return seconds;
    } catch (e) {
      env.progress(`could not save to the snapshot cache: ${messageOf(e)}`);
    }
  }
  return env.scenarioFiles?.length ? snapshot.save() : 0;
}


/** After the scenarios: a guest that died or stopped answering during them makes the cell `error`. */
async function stillAnswering(booted: BootedCell): Promise<void> {
  if (!booted.vm.isRunning()) throw new InfraError(`the guest died during the scenarios: ${await describeDeath(booted.vm)}`);
  const stopped = (why: string) => new InfraError(`the guest stopped answering during the scenarios: ${why}`);
  const r = await booted.ssh.exec('true', { timeoutMs: 30_000 }).catch((e) => { throw stopped(messageOf(e)); });
  if (r.exitCode !== 0) throw stopped(r.timedOut ? 'SSH command timed out' : `\`true\` exited ${r.exitCode}`);
}

/** Boot, probe, run the scenarios, tear down. Never throws: failures become `error`. */
export async function runCell(cell: Cell, env: CellEnv, result: CellResult): Promise<CellResult> {
  result.accel = env.accel.kind;
  result.consoleLog = join(env.outDir, 'console.log');
  result.image = { name: env.image.name, hash: env.image.hash };
  let booted: BootedCell | undefined;
  try {
    env.progress(`booting (${env.accel.kind})`);
    booted = await bootCell(cell, env);
    result.bootSeconds = booted.bootSeconds;
    result.startedFrom = booted.from;
    env.progress(`ssh ready in ${booted.bootSeconds.toFixed(1)} s${booted.from === 'snapshot' ? ' (restored from the snapshot cache)' : ''}; probing`);
    const probeStart = Date.now();
    const r = await booted.ssh.exec(PROBE_SCRIPT, { timeoutMs: 180_000 });
    result.probeSeconds = (Date.now() - probeStart) / 1000;
    if (r.timedOut) throw new InfraError('probe timed out after 180 s');
    const probe = parseProbe(r.stdout);
    result.probe = probe;
    result.kernel.release = probe.kernelRelease;
    result.stack.active = probe.activeLsms;
    result.stack.missing = missingLsms(cell.stack, probe.activeLsms);
    if (booted.from === 'boot' && probe.activeLsms.includes('apparmor') && await harvestPolicyCache(booted.ssh, policyOwner(env.kernel, env.image))) {
      env.progress('kept the compiled AppArmor policy for later boots of this kernel and image');
    }
    const snapshot = await Snapshot.open(booted.vm, env.privateKey);
    try {
      const saveSeconds = await saveBooted(cell, booted, snapshot, env, result);
      result.snapshot = {
        saveSeconds, resetSeconds: [], cache: booted.from === 'snapshot' ? 'hit' : booted.key ? 'stored' : 'off',
        ...(booted.key ? { cacheKey: booted.key } : {}),
      };
      if (env.scenarioFiles?.length) {
        const facts: CellFacts = {
          kernel: cell.kernel, release: probe.kernelRelease, probe,
          stack: { id: cell.stack.id, requested: cell.stack.requested, active: probe.activeLsms },
        };
        const run = await runCellScenarios(booted, snapshot, facts, env, result);
        if (interruptedBy()) throw new Error('interrupted');
        result.tests = run.tests;
        result.snapshot.resetSeconds = run.resets;
        // The guest died or stopped answering mid-way: the tests after it are
        // `error` already; the cell is too, so the run may retry it.
        if (run.broken) throw new InfraError(run.broken);
        await stillAnswering(booted);
      }
    } finally {
      snapshot.close();
    }
    result.status = 'ok';
  } catch (e) {
    // A Ctrl-C stops the guest under the cell: it stays `pending` with the
    // files it finished, and --resume runs it again, whole.
    if (interruptedBy()) return result;
    result.status = 'error';
    result.error = { message: messageOf(e), ...(e instanceof InfraError && e.detail ? { detail: e.detail } : {}) };
  } finally {
    booted?.ssh.close();
    await booted?.vm.stop();
  }
  return result;
}
