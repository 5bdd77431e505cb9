import type { CommandRecord } from './guest/guest.ts';
import { rename, writeFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Probe } from './guest/probe.ts';

/** The results schema: run.json is the whole truth of a run. */
export type Verdict = 'pass' | 'fail' | 'skip' | 'error' | 'confirmed-limitation';

/** Where a scenario's verdicts go in the guide's support table. */
export interface Support {
  technology: 'Docker' | 'LXD' | 'snappy' | 'flatpak';
  situation: string;
  /**
   * The LSMs a cell must have active for this scenario to speak for the
   * situation; default: the situation's own (both for "smack & apparmor host").
   */
  needs?: string[];
}

export interface TestResult {
  /** `<scenario file> > <describe> > <test>` */
  id: string;
  scenario: string;
  /** The scenario file's path, for scenarios outside the project's scenarios/ directory. */
  file?: string;
  name: string;
  support?: Support;
  /** For fail/error: the likely cause from the guide's "Failures and Issues". */
  triage?: { cause: string; evidence: string };
  /** For fail/error: the command that reruns just this test and opens a shell at the failure. */
  reproduce?: string;
  verdict: Verdict;
  reason?: string;
  durationSeconds: number;
  /** Each command the test ran, with its bounded output and how long it took (`seconds`: absent in runs made before it was recorded). */
  evidence?: { commands: (Omit<CommandRecord, 'seconds'> & { seconds?: number })[]; denials: string[] };
}

export interface CellResult {
  id: string;
  kernel: { name: string; source?: string; release?: string };
  stack: {
    id: string;
    /** The exact kernel parameter given, '' for the built-in default. */
    parameter: string;
    requested: string[];
    /** /sys/kernel/security/lsm as the guest reported it. */
    active?: string[];
    /** Requested LSMs that did not become active. */
    missing?: string[];
  };
  image?: { name: string; hash: string };
  status: 'pending' | 'ok' | 'error';
  error?: { message: string; detail?: string };
  /** Earlier attempts that ended in an infrastructure error and were retried. */
  retried?: { message: string }[];
  accel?: 'kvm' | 'tcg';
  bootSeconds?: number;
  consoleLog?: string;
  probe?: Probe;
  /** The probe's SSH round trip. */
  probeSeconds?: number;
  /** The cell's wall time in the run, from its start to its verdicts (all attempts). */
  wallSeconds?: number;
  /** Booted, or restored from the snapshot cache (then bootSeconds is the restore). */
  startedFrom?: 'boot' | 'snapshot';
  /** savevm after the probe, each loadvm + SSH login between scenario files, and the snapshot cache's part. */
  snapshot?: { saveSeconds: number; resetSeconds: number[]; cache?: 'hit' | 'stored' | 'off'; cacheKey?: string };
  tests: TestResult[];
}

export interface RunResult {
  schema: 'lsm-matrix/run@1';
  runId: string;
  status: 'running' | 'complete' | 'interrupted' | 'failed';
  /** The runs (shards) `merge` made this one from. */
  mergedFrom?: string[];
  /** When the run was finished later with `run --resume`. */
  resumedAt?: string[];
  startedAt: string;
  finishedAt?: string;
  harness: { version: string };
  host: { accel?: 'kvm' | 'tcg'; accelReason?: string; qemuVersion?: string; cores: number; memoryGiB: number };
  cells: CellResult[];
}

/** Write JSON so a reader never sees half a file, even if we are killed mid-write. */
export async function writeJsonAtomic(path: string, value: unknown): Promise<void> {
  await writeFileAtomic(path, `${JSON.stringify(value, null, 2)}\n`);
}

/** Write a file so a reader sees the old or the new whole, never half. */
export async function writeFileAtomic(path: string, text: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  // Unique per write: a worker and the Ctrl-C handler may save at the same moment.
  const tmp = `${path}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`;
  await writeFile(tmp, text);
  await rename(tmp, path);
}
