import { cpus, freemem, totalmem } from 'node:os';
import { join, relative } from 'node:path';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { execa } from 'execa';
import { InfraError, UserError, messageOf, retryable } from './errors.ts';
import type { Config } from './config.ts';
import { expandMatrix, shardCells, type Cell, type Shard } from './matrix.ts';
import { prepareKernel, type PreparedKernel } from './prepare.ts';
import { ensureImage } from './images/build.ts';
import { chooseAccel } from './vm/accel.ts';
import { ensureKey } from './vm/sshkey.ts';
import { interruptedBy, onCleanup, untilExit } from './vm/reaper.ts';
import { parseStack } from './stack.ts';
import { runCell } from './cell.ts';
import { runCellInChild } from './cell-child.ts';
import { qemuVersion } from './vm/qemu.ts';
import { snapshotDisabled } from './vm/snapcache.ts';
import { RunProgress, historyKey, loadHistory, saveHistory, slowestFirst } from './progress.ts';
import { annotate, writeReports } from './report/write.ts';
import { findScenarios } from './scenario/discover.ts';
import { writeJsonAtomic, type CellResult, type RunResult } from './results.ts';

export interface RunOptions {
  config: Config;
  outDir?: string;
  jobs?: number;
  shard?: Shard;
  testName?: string;
  shellOnFail?: boolean;
  /** Automatic retries of a cell that ended in an infrastructure error (default 1). */
  retries?: number;
  /** Start cells from (and save them to) the snapshot cache (default true); 'refresh' boots and saves anew. */
  snapshotCache?: boolean | 'refresh';
  /** A run directory to finish: its finished cells are kept, the pending ones run. */
  resume?: string;
  log?: (line: string) => void;
}

async function loadResumable(dir: string): Promise<RunResult> {
  let run: RunResult;
  try {
    run = JSON.parse(await readFile(join(dir, 'run.json'), 'utf8'));
  } catch (e) {
    throw new UserError(`--resume \`${dir}\`: no readable run.json there (${messageOf(e).split('\n')[0]})`);
  }
  if (run.schema !== 'lsm-matrix/run@1') throw new UserError(`--resume \`${dir}\`: run.json is not an lsm-matrix run`);
  if (!run.cells.some((c) => c.status === 'pending')) throw new UserError(`--resume \`${dir}\`: every cell already finished (status ${run.status}); nothing to resume`);
  return run;
}

export const HARNESS_VERSION: string = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8')).version;

export function newRunId(now = new Date()): string {
  const t = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `${t}-${randomBytes(2).toString('hex')}`;
}

/** A directory name for a cell: no commas or spaces, which QEMU options and shells mangle. */
export const cellDirName = (id: string) => id.replace(/,/g, '+').replace(/[^A-Za-z0-9.=+-]+/g, '_');

export function defaultJobs(): number {
  // One guest per core: a 2-vCPU guest keeps both busy only part of the
  // time (boots, `docker run`). Measured on 2 cores two cells at once took
  // 0.65-0.92 of the time of one after the other on one host (session 5)
  // and 1.04-1.10 on another (session 6): rarely a loss, often a gain.
  // A guest holds 0.6 GiB, or all its 2 GiB of RAM plus the translation
  // cache (2.4 GiB) where the host backs guest RAM with transparent huge
  // pages (bench: peak RSS); count 2.5 GiB of what is free now per guest.
  const byCpu = Math.max(1, cpus().length);
  const byMem = Math.max(1, Math.floor(freemem() / 2 ** 30 / 2.5));
  return Math.min(byCpu, byMem);
}

/** Run a matrix: resolve, build, boot every cell, write run.json as cells finish. */
export async function runMatrix(opts: RunOptions): Promise<{ result: RunResult; outDir: string; exitCode: number }> {
  const log = opts.log ?? (() => {});
  const resumed = opts.resume ? await loadResumable(opts.resume) : undefined;
  const runId = resumed?.runId ?? newRunId();
  const outDir = opts.resume ?? opts.outDir ?? join('results', runId);
  const runJson = join(outDir, 'run.json');
  let cells: Cell[] = expandMatrix(opts.config);
  const scenarioFiles = await findScenarios(opts.config.scenarios, opts.config.scenariosDir);
  if (opts.shard) cells = shardCells(cells, opts.shard);
  // Resuming: the old run's cells, in its order; only the pending ones run again.
  if (resumed) cells = resumed.cells.map((c) => ({ id: c.id, kernel: c.kernel.name, stack: parseStack(c.stack.id) }));
  const result: RunResult = resumed ? { ...resumed, status: 'running', resumedAt: [...(resumed.resumedAt ?? []), new Date().toISOString()] } : {
    schema: 'lsm-matrix/run@1',
    runId,
    status: 'running',
    startedAt: new Date().toISOString(),
    harness: { version: HARNESS_VERSION },
    host: { cores: cpus().length, memoryGiB: Math.round(totalmem() / 2 ** 30), qemuVersion: await qemuVersion() },
    cells: cells.map((c) => ({
      id: c.id,
      kernel: { name: c.kernel },
      stack: { id: c.stack.id, parameter: c.stack.cmdline, requested: c.stack.requested },
      status: 'pending',
      tests: [],
    })),
  };
  // Kernels: bad specs and paths are the user's to fix (exit 2, before any boot);
  // a download that fails is this run's bad luck (those cells are `error`).
  const kernels = new Map<string, PreparedKernel | InfraError>();
  const todo = cells.map((cell, i) => ({ cell, res: result.cells[i]!, n: i + 1 })).filter((x) => x.res.status === 'pending');
  for (const t of todo) t.res.tests = [];
  if (resumed) log(`resuming ${runId}: ${cells.length - todo.length} cell(s) finished, ${todo.length} to run`);
  for (const name of new Set(todo.map((t) => t.cell.kernel))) {
    try {
      kernels.set(name, await prepareKernel(name, (l) => log(`kernel ${name}: ${l}`)));
    } catch (e) {
      if (e instanceof UserError) throw e;
      kernels.set(name, e instanceof InfraError ? e : new InfraError(messageOf(e)));
    }
  }
  const save = () => writeJsonAtomic(runJson, result);
  await save();
  const unregister = onCleanup(async () => {
    result.status = 'interrupted';
    result.finishedAt = new Date().toISOString();
    annotate(result);
    await save();
    await writeReports(outDir, result).catch(() => undefined);
  });
  log(`run ${runId}: ${todo.length} cell(s) → ${outDir}`);

  const firstKernel = [...kernels.values()].find((k): k is PreparedKernel => !(k instanceof Error));
  // With no kernel to boot there is nothing to build an image for.
  const image = firstKernel ? await ensureImage(opts.config.image, log) : undefined;
  const key = await ensureKey();
  const accel = firstKernel ? await chooseAccel(firstKernel.files.vmlinuz, firstKernel.initramfs) : { kind: 'tcg' as const, reason: 'no kernel to probe KVM with' };
  result.host.accel = accel.kind;
  result.host.accelReason = accel.reason;
  log(`accelerator: ${accel.kind} (${accel.reason})`);
  await save();

  // On unless asked not to (--no-snapshot-cache, LSM_MATRIX_SNAPSHOTS=0); keyed by QEMU's version too.
  const snapshotCache = opts.snapshotCache === false || snapshotDisabled() || !result.host.qemuVersion ? undefined : { qemuVersion: result.host.qemuVersion, refresh: opts.snapshotCache === 'refresh' };
  // No more workers than cells: a lone cell runs in this process.
  const jobs = Math.max(1, Math.min(opts.jobs ?? defaultJobs(), todo.length));
  const history = await loadHistory();
  const hk = (id: string) => historyKey(id, opts.config.scenarios);
  // Unknown cells: a full cell of scenarios takes ~10 min under TCG, a probe ~1.
  const estimate = (id: string) => history[hk(id)] ?? (scenarioFiles.length ? 600 : 60);
  const queue = slowestFirst(todo, (x) => history[hk(x.cell.id)]);
  const progress = new RunProgress(todo.length, jobs, estimate, () => queue.map((q) => q.cell.id), log);
  const retries = opts.retries ?? 1;
  // Side by side, cells run in processes of their own so their scenarios run
  // at the same time too (cell-child.ts); one at a time, or with a shell to
  // open on a failure (one terminal), in this process.
  const runOne = jobs > 1 && !opts.shellOnFail ? runCellInChild : runCell;
  const worker = async () => {
    for (let item = queue.shift(); item; item = queue.shift()) {
      const { cell, res, n } = item;
      const k = kernels.get(cell.kernel)!;
      const tag = () => `[cell ${n}/${cells.length}] ${cell.id}`;
      const started = Date.now();
      progress.started(cell.id);
      if (k instanceof Error || !image) {
        res.status = 'error';
        res.error = { message: k instanceof Error ? k.message : 'no image' };
      } else for (let attempt = 0; ; attempt++) {
        res.kernel.source = k.source;
        await runOne(cell, {
          kernel: k, image, accel, privateKey: key.privateKey,
          outDir: join(outDir, 'cells', cellDirName(cell.id)),
          bootTimeoutSeconds: opts.config.bootTimeoutSeconds,
          memoryMiB: opts.config.memoryMiB, cpus: opts.config.cpus,
          progress: (l) => {
            if (interruptedBy()) return; // what guests being stopped print is not news
            if (/^(scenario |booting|ssh ready|saved )/.test(l)) progress.doing(cell.id, l.split(';')[0]!);
            progress.log(`${tag()}: ${l}`);
          },
          scenarioFiles, testTimeoutSeconds: opts.config.testTimeoutSeconds,
          ...(opts.testName ? { testName: opts.testName } : {}),
          ...(opts.shellOnFail ? { shellOnFail: true } : {}),
          ...(snapshotCache ? { snapshotCache } : {}),
        }, res);
        if (res.consoleLog) res.consoleLog = relative(outDir, res.consoleLog);
        // The signal handler records the interrupted run; a save from here could land after it.
        if (interruptedBy()) return untilExit();
        if (res.status !== 'error' || attempt >= retries || !retryable(res.error!.message, res.accel ?? accel.kind)) break;
        progress.log(`${tag()}: infrastructure error, retrying the cell once: ${res.error!.message.split('\n')[0]}`);
        const retried = [...(res.retried ?? []), { message: res.error!.message }];
        for (const key of Object.keys(res) as (keyof CellResult)[]) if (!['id', 'kernel', 'stack'].includes(key)) delete res[key];
        Object.assign(res, { status: 'pending', tests: [], retried });
      }
      const seconds = (Date.now() - started) / 1000;
      res.wallSeconds = Math.round(seconds * 10) / 10;
      if (res.status === 'ok') {
        history[hk(cell.id)] = Math.round(seconds);
        await saveHistory(history);
      }
      progress.finished(cell.id, summary(res));
      await save();
    }
  };
  await Promise.all(Array.from({ length: jobs }, worker));
  if (interruptedBy()) return untilExit();
  progress.stop();
  result.status = 'complete';
  result.finishedAt = new Date().toISOString();
  annotate(result);
  await save();
  await writeReports(outDir, result);
  unregister();
  const bad = result.cells.some((c) => c.status !== 'ok' || c.tests.some((t) => t.verdict === 'fail' || t.verdict === 'error'));
  return { result, outDir, exitCode: bad ? 1 : 0 };
}

const duration = (s: number) => (s < 90 ? `${s.toFixed(1)} s` : `${(s / 60).toFixed(1)} min`);

export function summary(c: CellResult): string {
  if (c.status === 'error') return `ERROR ${c.error?.message ?? ''}`;
  const missing = c.stack.missing?.length ? ` (requested ${c.stack.requested.join(',')}; not active: ${c.stack.missing.join(',')})` : '';
  const counts = new Map<string, number>();
  for (const t of c.tests) counts.set(t.verdict, (counts.get(t.verdict) ?? 0) + 1);
  const tests = c.tests.length ? `; tests: ${[...counts].map(([v, n]) => `${n} ${v}`).join(', ')}` : '';
  const took = c.wallSeconds === undefined ? '' : ` in ${duration(c.wallSeconds)}`;
  const start = c.bootSeconds === undefined ? '' : ` (${c.startedFrom === 'snapshot' ? 'restored' : 'booted'} in ${c.bootSeconds.toFixed(1)} s)`;
  return `ok${took}${start}, active ${c.stack.active?.join(',')}${missing}${tests}`;
}
