// `lsm-matrix report`: regenerates every report from run.json, and against an
// older run names exactly the regression (exit 1 for nightly CI).
import { expect, test } from 'vitest';
import { mkdtemp, mkdir, readFile, writeFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli } from './helpers.ts';
import { sampleRun } from '../fixtures/sample-run.ts';

async function runDir(mutate: (r: ReturnType<typeof sampleRun>) => void = () => {}): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'lsmm-report-'));
  const r = sampleRun();
  mutate(r);
  await mkdir(join(dir, 'cells/x'), { recursive: true });
  await writeFile(join(dir, 'cells/x/console.log'), 'Linux version 6.12\n');
  await writeFile(join(dir, 'run.json'), JSON.stringify(r, null, 2));
  return dir;
}

test('report writes every file from run.json', async () => {
  const dir = await runDir();
  const r = await cli(['report', dir]);
  expect(r.exitCode).toBe(0);
  expect((await readdir(dir)).sort()).toEqual(['cells', 'junit.xml', 'kcidb.json', 'matrix.html', 'matrix.md', 'run.json']);
  expect(await readFile(join(dir, 'matrix.md'), 'utf8')).toMatch(/\| Docker \| apparmor host, apparmor container \|/);
});

test('one changed verdict is reported as exactly that regression, exit 1', async () => {
  const older = await runDir();
  const newer = await runDir((r) => { r.cells[0]!.tests[0]!.verdict = 'error'; r.cells[0]!.tests[0]!.reason = 'SSH lost'; });
  const r = await cli(['report', newer, '--against', older]);
  expect(r.exitCode).toBe(1);
  expect(r.stdout).toContain('REGRESSIONS (1):\n  debian-6.12 apparmor :: docker/apparmor-host-apparmor-container > default: pass → error');
  expect(r.stdout).not.toMatch(/fixes|new cells|vanished/);
  const same = await cli(['report', older, '--against', await runDir()]);
  expect(same.exitCode).toBe(0);
  expect(same.stdout).toContain('no changes');
});

test('a directory without run.json is bad input', async () => {
  const r = await cli(['report', tmpdir()]);
  expect(r.exitCode).toBe(2);
  expect(r.stderr).toMatch(/is not a run directory: no run.json/);
});
