// --jobs 2: two cells side by side, each in a process of its own, so their
// scenarios run at the same time (not only their boots); a Ctrl-C stops both.
import { expect, test } from 'vitest';
import { mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { CLI, ROOT, cli, outputMatches, processes, processesMentioning, readRun } from './helpers.ts';
import { cacheRoot } from '../../harness/cache.ts';
import type { CellResult } from '../../harness/results.ts';

const SLEEP = `${ROOT}test/fixtures/scenarios/slow/sleep.ts`;
const cells = ['--kernel', 'debian-6.12', '--stack', 'apparmor', '--stack', 'default', '--jobs', '2'];

/** When the guest ran the long command: its clock (set from the host's) before and after. */
function sleepInterval(c: CellResult): [number, number] {
  const t = c.tests.find((x) => x.name === 'a long command')!;
  const out = t.evidence!.commands.find((x) => x.command.includes('sleep 25'))!.stdout;
  const [start, end] = out.split('\n').map(Number);
  return [start!, end!];
}

test('--jobs 2: both cells run their scenarios at the same time, with the same verdicts', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'lsmm-par-'));
  const r = await cli(['run', ...cells, '--scenario', SLEEP, '--out', dir]);
  expect(r.exitCode, String(r.all).slice(-3000)).toBe(0);
  const run = await readRun(dir);
  expect(run.cells.map((c) => [c.id, c.status])).toEqual([['debian-6.12 apparmor', 'ok'], ['debian-6.12 default', 'ok']]);
  for (const c of run.cells) expect(c.tests.map((t) => t.verdict)).toEqual(['pass', 'pass']);
  const [a, b] = run.cells.map(sleepInterval) as [[number, number], [number, number]];
  // Taking turns, the two 25-second sleeps could not overlap at all.
  const overlap = Math.min(a[1], b[1]) - Math.max(a[0], b[0]);
  expect(overlap, `intervals ${JSON.stringify([a, b])}`).toBeGreaterThan(10);
  expect(await processesMentioning(dir)).toEqual([]);
}, 30 * 60_000);

test('--jobs 2, SIGINT mid-scenario: both cells\' processes stop their guests, nothing is left, the run is interrupted', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'lsmm-par-int-'));
  const child = execa('node', [CLI, 'run', ...cells, '--scenario', 'apparmor/enabled', '--scenario', SLEEP, '--out', dir], { cwd: ROOT, reject: false, all: true });
  // Both cells in their second file: both guests busy in a scenario.
  await outputMatches(child, /scenario slow\/sleep[\s\S]*scenario slow\/sleep/, 'the two cells never both reached their second file');
  const workers = await cellProcesses(child.pid!);
  expect(workers).toHaveLength(2);
  expect(await processesMentioning(join(dir, 'cells'))).toHaveLength(2); // their two QEMUs
  await new Promise((r) => setTimeout(r, 2000));
  child.kill('SIGINT'); // the CLI alone, as a supervisor would; it passes the signal on
  const r = await child;
  expect(r.exitCode, String(r.all).slice(-3000)).toBe(130);
  for (const pid of workers) expect(alive(pid), `cell process ${pid}`).toBe(false);
  expect(await processesMentioning(dir)).toEqual([]);
  const scratch = await readdir(join(cacheRoot(), 'scratch')).catch(() => [] as string[]);
  expect(scratch.filter((d) => workers.some((pid) => d.startsWith(`vm-${pid}-`)))).toEqual([]);
  const run = await readRun(dir);
  expect(run.status).toBe('interrupted');
  for (const c of run.cells) {
    expect(c.status).toBe('pending');
    const done = c.tests.filter((t) => t.scenario === 'apparmor/enabled');
    if (c.stack.active?.includes('apparmor')) expect(done.length > 2 && done.every((t) => t.verdict === 'pass')).toBe(true);
    expect(c.tests.some((t) => t.scenario === 'slow/sleep')).toBe(false);
  }
}, 30 * 60_000);

/** The CLI's `__cell` children (not, say, tsx's esbuild service). */
async function cellProcesses(pid: number): Promise<number[]> {
  return (await processes()).filter((p) => p.ppid === pid && p.cmdline.includes('__cell')).map((p) => p.pid);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
