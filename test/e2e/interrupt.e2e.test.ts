// Ctrl-C during a boot: QEMU ends, the overlay goes, the partial results stay.
import { expect, test } from 'vitest';
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { CLI, ROOT, cli, outputMatches, processesMentioning, readRun } from './helpers.ts';
import { cacheRoot } from '../../harness/cache.ts';

const out = await mkdtemp(join(tmpdir(), 'lsmm-int-'));

test('SIGINT during a boot leaves no QEMU and no overlay, and keeps run.json', async () => {
  const child = execa('node', [CLI, 'run', '--kernel', 'debian-6.12', '--stack', 'apparmor', '--scenario', 'none', '--no-snapshot-cache', '--out', out], { cwd: ROOT, reject: false, all: true });
  await outputMatches(child, /booting \(/, 'no boot started');
  await new Promise((r) => setTimeout(r, 4000));
  const qemus = await processesMentioning(out);
  expect(qemus.length).toBeGreaterThan(0); // the guest really was booting
  child.kill('SIGINT');
  const r = await child;
  expect(r.exitCode).toBe(130);
  expect(await processesMentioning(out)).toEqual([]);
  const scratch = await readdir(join(cacheRoot(), 'scratch')).catch(() => [] as string[]);
  expect(scratch.filter((d) => d.startsWith(`vm-${child.pid}-`))).toEqual([]);
  const run = await readRun(out);
  expect(run.status).toBe('interrupted');
  expect(run.cells).toHaveLength(1);
  expect(await readFile(join(out, 'cells', 'debian-6.12_apparmor', 'console.log'), 'utf8')).toMatch(/Linux version/);
}, 30 * 60_000);

test('run --resume finishes the interrupted run in place', async () => {
  const r = await cli(['run', '--resume', out, '--scenario', 'none']);
  expect(r.exitCode, String(r.all).slice(-3000)).toBe(0);
  expect(r.stderr).toMatch(/resuming \S+: 0 cell\(s\) finished, 1 to run/);
  const run = await readRun(out);
  expect(run.status).toBe('complete');
  expect(run.resumedAt).toHaveLength(1);
  expect(run.cells[0]!.status).toBe('ok');
  expect(run.cells[0]!.stack.active).toContain('apparmor');
  const again = await cli(['run', '--resume', out]);
  expect(again.exitCode).toBe(2);
  expect(again.stderr).toMatch(/every cell already finished .*nothing to resume/);
}, 30 * 60_000);

test('kill -9 of one guest\'s QEMU mid-scenario: that cell is `error`, the next cell runs, exit 1, nothing left', async () => {
  const { dir, child, qemu } = await inSleep('kill', ['--stack', 'apparmor', '--stack', 'default', '--jobs', '1'], /\[cell 1\/2\] debian-6.12 apparmor: scenario slow\/sleep/);
  process.kill(qemu, 'SIGKILL');
  const r = await child;
  expect(r.exitCode, String(r.all).slice(-3000)).toBe(1);
  const run = await readRun(dir);
  const [killed, next] = run.cells;
  expect(killed!.status).toBe('error');
  expect(killed!.error!.message).toMatch(/the cell broke|the guest died|the guest stopped answering/);
  expect(killed!.tests.map((t) => t.verdict)).toEqual(['error', 'error']);
  expect(next!.status).toBe('ok');
  expect(next!.tests.map((t) => t.verdict)).toEqual(['pass', 'pass']);
  expect(await processesMentioning(dir)).toEqual([]);
  const scratch = await readdir(join(cacheRoot(), 'scratch')).catch(() => [] as string[]);
  expect(scratch.filter((d) => d.startsWith(`vm-${child.pid}-`))).toEqual([]);
}, 30 * 60_000);

test('a guest that stops answering mid-scenario (its QEMU stopped): the cell is `error`, not `fail`, and nothing is left', async () => {
  const { dir, child, qemu } = await inSleep('hang', ['--stack', 'apparmor'], /scenario slow\/sleep/);
  const t0 = Date.now();
  process.kill(qemu, 'SIGSTOP'); // alive, holding its sockets, answering nothing
  const r = await child;
  expect(r.exitCode, String(r.all).slice(-3000)).toBe(1);
  // SSH keepalives (every 5 s, 6 missed) notice it, not the 25 s command or a test timeout.
  expect(Date.now() - t0).toBeLessThan(3 * 60_000);
  const c = (await readRun(dir)).cells[0]!;
  expect(c.status).toBe('error');
  expect(c.error!.message).toMatch(/stopped answering|connection closed|Keepalive/i);
  expect(c.tests.map((t) => t.verdict)).toEqual(['error', 'error']);
  expect(await processesMentioning(dir)).toEqual([]); // a stopped QEMU still ends (SIGKILL)
}, 30 * 60_000);

test('SIGINT mid-scenario keeps the verdicts of the files the cell finished', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'lsmm-int2-'));
  const child = execa('node', [CLI, 'run', '--kernel', 'debian-6.12', '--stack', 'apparmor', '--scenario', 'apparmor/enabled',
    '--scenario', `${ROOT}test/fixtures/scenarios/slow/sleep.ts`, '--out', dir], { cwd: ROOT, reject: false, all: true });
  await outputMatches(child, /scenario slow\/sleep/, 'the cell never reached its second file');
  await new Promise((r) => setTimeout(r, 2000));
  child.kill('SIGINT');
  const r = await child;
  expect(r.exitCode).toBe(130);
  const run = await readRun(dir);
  expect(run.status).toBe('interrupted');
  const c = run.cells[0]!;
  expect(c.status).toBe('pending'); // --resume runs it again, whole
  const done = c.tests.filter((t) => t.scenario === 'apparmor/enabled');
  expect(done.length).toBeGreaterThan(2);
  expect(done.every((t) => t.verdict === 'pass')).toBe(true);
  expect(c.tests.some((t) => t.scenario === 'slow/sleep')).toBe(false);
  expect(await processesMentioning(dir)).toEqual([]);
}, 30 * 60_000);

/**
 * A debian-6.12 run of the 25 s sleep scenario, once the `debian-6.12 apparmor`
 * cell's guest is in it (`reached`): the run's directory, the CLI, that guest's QEMU.
 */
async function inSleep(name: string, args: string[], reached: RegExp) {
  const dir = await mkdtemp(join(tmpdir(), `lsmm-${name}-`));
  const child = execa('node', [CLI, 'run', '--kernel', 'debian-6.12', ...args, '--retries', '0',
    '--scenario', `${ROOT}test/fixtures/scenarios/slow/sleep.ts`, '--out', dir], { cwd: ROOT, reject: false, all: true });
  await outputMatches(child, reached, 'the cell never reached its scenario');
  await new Promise((r) => setTimeout(r, 3000));
  const qemus = await processesMentioning(join(dir, 'cells', 'debian-6.12_apparmor'));
  expect(qemus).toHaveLength(1);
  return { dir, child, qemu: qemus[0]! };
}
