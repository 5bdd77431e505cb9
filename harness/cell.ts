import { join } from 'node:path';
import { InfraError, messageOf } from './errors.ts';
import { missingLsms } from './stack.ts';
import { bootVm, type Vm } from './vm/qemu.ts';
import { waitForSsh } from './vm/ready.ts';
import type { Ssh } from './vm/ssh.ts';
import { PROBE_SCRIPT, parseProbe } from './guest/probe.ts';
import type { Accel } from './vm/accel.ts';
import type { Cell } from './matrix.ts';
import type { CellResult } from './results.ts';
import type { PreparedKernel } from './prepare.ts';
import type { Image } from './images/build.ts';
import { readFile } from 'node:fs/promises';
import { Snapshot } from './vm/snapshot.ts';
import { Guest, type CellFacts } from './guest/guest.ts';
import { runScenarios } from './scenario/runner.ts';
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
  /** Absolute paths of the scenario files to run in this cell, in order. */
  scenarioFiles?: string[];
  testTimeoutSeconds?: number;
  testName?: string;
  /** Open an interactive shell in the guest when a test fails (spread's -debug). */
  shellOnFail?: boolean;
}

export interface BootedCell {
  vm: Vm;
  ssh: Ssh;
  bootSeconds: number;
}

/** Boot the cell's guest and log in. The caller owns vm.stop(). */
export async function bootCell(cell: Cell, env: CellEnv): Promise<BootedCell> {
  const t0 = Date.now();
  const vm = await bootVm({
    vmlinuz: env.kernel.files.vmlinuz,
    initramfs: env.kernel.initramfs,
    modulesDisk: env.kernel.modulesDisk,
    base: env.image.base,
    cmdline: cell.stack.cmdline,
    accel: env.accel,
    workDir: env.outDir,
    memoryMiB: env.memoryMiB,
    cpus: env.cpus,
  });
  try {
    const ssh = await waitForSsh(vm, { privateKey: env.privateKey, deadlineMs: env.bootTimeoutSeconds * 1000 });
    return { vm, ssh, bootSeconds: (Date.now() - t0) / 1000 };
  } catch (e) {
    await vm.stop();
    throw e;
  }
}

/**
 * Snapshot the booted, probed guest, then run the scenario files; before
 * every file after the first, restore the snapshot (QMP loadvm) and log in
 * again, so no scenario sees another's leftovers.
 */
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

async function runCellScenarios(booted: BootedCell, facts: CellFacts, env: CellEnv) {
  return inTurn(() => runCellScenariosNow(booted, facts, env));
}

async function runCellScenariosNow(booted: BootedCell, facts: CellFacts, env: CellEnv) {
  const snapshot = await Snapshot.open(booted.vm, env.privateKey);
  try {
    const saveSeconds = await snapshot.save();
    const guest = new Guest(booted.ssh, facts);
    const kernelConfig = env.kernel.files.config ? parseKernelConfig(await readFile(env.kernel.files.config, 'utf8')) : undefined;
    const reset = async () => {
      const { ssh, seconds } = await snapshot.restore(booted.ssh);
      booted.ssh = ssh;
      guest.reconnect(ssh);
      return seconds;
    };
    const raw = async (cmd: string) => (await booted.ssh.exec(cmd, { timeoutMs: 30_000 })).stdout;
    const { tests, resets, broken } = await runScenarios(env.scenarioFiles ?? [], {
      guest, reset, raw, progress: env.progress,
      ...(kernelConfig ? { kernelConfig } : {}),
      ...(env.testTimeoutSeconds ? { testTimeoutMs: env.testTimeoutSeconds * 1000 } : {}),
      ...(env.testName ? { testName: env.testName } : {}),
      ...(env.shellOnFail ? { onFailure: async (name: string) => {
        if (!process.stdin.isTTY) return env.progress(`--shell-on-fail: "${name}" failed, but stdin is not a terminal; no shell`);
        env.progress(`"${name}" failed: a shell in the guest at the point of failure; exit it to go on`);
        await booted.ssh.shell();
      } } : {}),
    });
    return { tests, broken, snapshot: { saveSeconds, resetSeconds: resets } };
  } finally {
    snapshot.close();
  }
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
    env.progress(`ssh ready in ${booted.bootSeconds.toFixed(1)} s; probing`);
    const r = await booted.ssh.exec(PROBE_SCRIPT, { timeoutMs: 60_000 });
    if (r.timedOut) throw new InfraError('probe timed out after 60 s');
    const probe = parseProbe(r.stdout);
    result.probe = probe;
    result.kernel.release = probe.kernelRelease;
    result.stack.active = probe.activeLsms;
    result.stack.missing = missingLsms(cell.stack, probe.activeLsms);
    if (env.scenarioFiles?.length) {
      const facts: CellFacts = {
        kernel: cell.kernel, release: probe.kernelRelease, probe,
        stack: { id: cell.stack.id, requested: cell.stack.requested, active: probe.activeLsms },
      };
      const run = await runCellScenarios(booted, facts, env);
      result.tests = run.tests;
      result.snapshot = run.snapshot;
      // The guest died or stopped answering mid-way: the tests after it are
      // `error` already; the cell is too, so the run may retry it.
      if (run.broken) throw new InfraError(run.broken);
    }
    result.status = 'ok';
  } catch (e) {
    result.status = 'error';
    result.error = { message: messageOf(e), ...(e instanceof InfraError && e.detail ? { detail: e.detail } : {}) };
  } finally {
    booted?.ssh.close();
    await booted?.vm.stop();
  }
  return result;
}
