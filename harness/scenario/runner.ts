import { pathToFileURL } from 'node:url';
import { relative } from 'node:path';
import { startTests, type File, type Suite, type Task, type Test, type VitestRunner, type VitestRunnerConfig } from '@vitest/runner';
import type { Guest } from '../guest/guest.ts';
import type { KernelLog } from '../guest/kmsg.ts';
import type { Support, TestResult } from '../results.ts';
import { unmetFromFacts, type Requirements } from './requirements.ts';
import { verdictOf, type TestOutcome } from './verdict.ts';
import { SCENARIOS_DIR } from './discover.ts';

export interface ScenarioEnv {
  guest: Guest;
  kernelConfig?: Map<string, string>;
  /** Put the cell back in its booted state before every file after the first; returns seconds taken. */
  reset?: () => Promise<number>;
  /** An unrecorded command (for the harness's own bookkeeping in the guest). */
  raw: (cmd: string) => Promise<string>;
  /** The guest's kernel log as it is written, on the current connection (it changes with every reset). */
  kernelLog: () => KernelLog;
  testTimeoutMs?: number;
  progress?: (line: string) => void;
  /** Only tests whose name contains this run (`--test`). */
  testName?: string;
  /** Called when a test fails or errors, before the next one (`--shell-on-fail`). */
  onFailure?: (testName: string) => Promise<void>;
  /** Each file's results as soon as it ends, so an interrupted cell keeps what it finished. */
  onFileDone?: (tests: TestResult[]) => void;
}

let nonce = 0;

const DENIAL = /apparmor="(DENIED|AUDIT)"|type=1400|audit\(|Smack|smack/;

/** `apparmor/enabled.ts` → `apparmor/enabled` */
export const scenarioName = (filepath: string) => {
  const rel = relative(SCENARIOS_DIR, filepath);
  // Scenarios from another directory are named by their last two path parts: `area/name`.
  return (rel.startsWith('..') ? filepath.split('/').slice(-2).join('/') : rel).replace(/\.ts$/, '');
};

class CellRunner implements VitestRunner {
  config: VitestRunnerConfig;
  readonly requirements = new Map<string, Requirements>();
  readonly support = new Map<string, Support>();
  readonly unmet = new Map<string, string>();
  readonly evidence = new Map<string, { start: number; commands: TestResult['evidence'] }>();
  readonly resets: number[] = [];
  readonly failedSetups = new Map<string, string>();
  readonly notRun = new Map<string, string>();
  readonly brokenTests = new Map<string, string>();
  broken: string | undefined;
  private filesStarted = 0;
  private readonly tag = ++nonce;

  constructor(private readonly env: ScenarioEnv) {
    const timeout = env.testTimeoutMs ?? 180_000;
    this.config = {
      root: SCENARIOS_DIR, setupFiles: [], name: 'lsm-matrix', passWithNoTests: true,
      allowOnly: false, sequence: { seed: 0, hooks: 'stack', setupFiles: 'list' }, chaiConfig: undefined,
      maxConcurrency: 1, testTimeout: timeout, hookTimeout: timeout, retry: 0, includeTaskLocation: false,
      testNamePattern: env.testName ? new RegExp(env.testName.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')) : undefined,
      tags: [], tagsFilter: undefined, strictTags: false,
    } as VitestRunnerConfig;
  }

  async importFile(filepath: string, source: string): Promise<unknown> {
    // A fresh module per cell: tests register themselves when the file is evaluated.
    const mod = await import(`${pathToFileURL(filepath).href}?cell=${this.tag}`);
    if (source === 'collect') {
      this.requirements.set(filepath, (mod.requirements ?? {}) as Requirements);
      if (mod.support) this.support.set(filepath, mod.support as Support);
    }
    return mod;
  }

  async onCollected(files: File[]): Promise<void> {
    for (const file of files) {
      const req = this.requirements.get(file.filepath) ?? {};
      let why = unmetFromFacts(req, this.env.guest.facts, this.env.kernelConfig);
      if (!why && req.tools?.length) {
        const missing = (await this.env.raw(`for t in ${req.tools.join(' ')}; do command -v "$t" >/dev/null || echo "$t"; done`)).trim().split('\n')[0];
        if (missing) why = `\`${missing}\` not installed in the guest`;
      }
      if (why) {
        this.unmet.set(file.filepath, why);
        file.mode = 'skip';
        forEachTest(file, (t) => { t.mode = 'skip'; });
      }
    }
  }

  async onBeforeRunSuite(suite: Suite): Promise<void> {
    if (suite !== suite.file || this.unmet.has(suite.file.filepath)) return;
    this.env.progress?.(`scenario ${scenarioName(suite.file.filepath)}`);
    if (this.broken) return;
    try {
      if (this.filesStarted++ > 0 && this.env.reset) this.resets.push(await this.env.reset());
    } catch (e) {
      // The guest cannot be brought back: every test still to come is `error`.
      this.broken = `the cell broke: ${e instanceof Error ? e.message : String(e)}`;
    }
  }

  async onAfterRunSuite(suite: Suite): Promise<void> {
    if (suite === suite.file) this.env.onFileDone?.(fileResults(suite.file, this));
  }

  extendTaskContext(context: any): any {
    context.guest = this.env.guest;
    context.limitation = (reason: string) => { context.task.meta.limitation = reason; };
    return context;
  }

  async onBeforeRunTask(test: Test): Promise<void> {
    if (test.mode !== 'run' && test.mode !== 'queued') return;
    // A test named `setup…` is what the rest of its file stands on: when it did
    // not pass, the others are not run (their reason says why) rather than fail
    // for a reason that is not theirs.
    if (this.broken) {
      test.mode = 'skip';
      this.brokenTests.set(test.id, this.broken);
      return;
    }
    const failedSetup = this.failedSetups.get(test.file.filepath);
    if (failedSetup) {
      test.mode = 'skip';
      this.notRun.set(test.id, `not run: "${failedSetup}" did not pass`);
      return;
    }
    // A test's kernel lines start at the previous test's end marker; on a
    // fresh connection (the first test, or after a reset) at a marker of its own.
    const log = this.env.kernelLog();
    if (!log.started) await log.mark().catch(() => undefined);
    this.evidence.set(test.id, { start: this.env.guest.commands.length, commands: undefined });
  }

  async onAfterRunTask(test: Test): Promise<void> {
    const e = this.evidence.get(test.id);
    if (!e) return;
    const commands = this.env.guest.commands.slice(e.start);
    let denials: string[] = [];
    try {
      const lines = await this.env.kernelLog().mark();
      denials = lines.filter((l) => DENIAL.test(l)).slice(0, 50).map((l) => l.slice(0, 600));
    } catch {
      // the guest may be gone; the test's own verdict says so
    }
    e.commands = { commands, denials };
    const err = test.result?.errors?.[0];
    const { verdict } = verdictOf({ state: test.result?.state as TestOutcome['state'], errors: (test.result?.errors ?? []) as { name?: string }[] });
    this.env.progress?.(`  ${verdict}: ${test.name}${err ? ` — ${String(err.message).split('\n')[0]!.slice(0, 160)}` : ''}`);
    if (test.result?.state === 'fail' && /^setup\b/i.test(test.name)) this.failedSetups.set(test.file.filepath, test.name);
    if (test.result?.state === 'fail' && this.env.onFailure) await this.env.onFailure(test.name);
  }
}

function forEachTest(task: Task, fn: (t: Test) => void): void {
  if (task.type === 'test') fn(task);
  else if ('tasks' in task) task.tasks.forEach((t) => forEachTest(t, fn));
}

function suiteChain(task: Task): Suite[] {
  const out: Suite[] = [];
  for (let s = task.suite; s; s = s.suite) out.push(s);
  if (task.file && !out.includes(task.file)) out.push(task.file);
  return out;
}

/** Pure over the finished file: one result per test (or one `(load)` error for a file that did not load). */
function fileResults(file: File, runner: CellRunner): TestResult[] {
  const scenario = scenarioName(file.filepath);
  const all: Test[] = [];
  forEachTest(file, (t) => all.push(t));
  if (all.length === 0) {
    const err = file.result?.errors?.[0];
    return [{
      id: scenario, scenario, name: '(load)', durationSeconds: 0,
      verdict: 'error',
      reason: err ? `scenario could not be loaded: ${err.message}` : 'scenario file has no tests',
    }];
  }
  return all.map((t) => {
    const hookError = suiteChain(t).map((s) => s.result?.errors?.[0]).find(Boolean);
    const path = [...suiteChain(t).filter((s) => s !== file).reverse().map((s) => s.name), t.name];
    const v = verdictOf({
      state: t.result?.state as TestOutcome['state'],
      errors: (t.result?.errors ?? []) as { name?: string; message?: string }[],
      ...((t.result as any)?.note ? { note: (t.result as any).note as string } : {}),
      ...(runner.notRun.has(t.id) ? { note: runner.notRun.get(t.id)! } : {}),
      ...(runner.brokenTests.has(t.id) ? { cellBroken: runner.brokenTests.get(t.id)! } : {}),
      ...((t.meta as any)?.limitation ? { limitation: (t.meta as any).limitation } : {}),
      ...(runner.unmet.has(file.filepath) ? { unmet: runner.unmet.get(file.filepath)! } : {}),
      ...(hookError ? { hookError } : {}),
    });
    const ev = runner.evidence.get(t.id)?.commands;
    return {
      id: `${scenario} > ${path.join(' > ')}`, scenario, name: path.join(' > '),
      // Outside scenarios/ the short name does not find the file again: keep its path.
      ...(relative(SCENARIOS_DIR, file.filepath).startsWith('..') ? { file: file.filepath } : {}),
      ...(runner.support.has(file.filepath) ? { support: runner.support.get(file.filepath)! } : {}),
      verdict: v.verdict, ...(v.reason ? { reason: v.reason } : {}),
      durationSeconds: Math.round((t.result?.duration ?? 0)) / 1000,
      ...(ev ? { evidence: ev } : {}),
    };
  });
}

/** Run scenario files in one booted cell and return one result per test. */
export async function runScenarios(filepaths: string[], env: ScenarioEnv): Promise<{ tests: TestResult[]; resets: number[]; broken?: string }> {
  const runner = new CellRunner(env);
  const files = await startTests(filepaths, runner);
  const tests = files.flatMap((file) => fileResults(file, runner));
  return { tests, resets: runner.resets, ...(runner.broken ? { broken: runner.broken } : {}) };
}
