// The snapshot cache on real guests: a cold run saves the booted cell, the
// next run starts from it in a fraction of the boot, with the same verdicts;
// a corrupted entry is detected, removed and rebuilt, never used.
import { afterAll, expect, test } from 'vitest';
import { mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli, readRun } from './helpers.ts';
import { snapshotsDir } from '../../harness/vm/snapcache.ts';
import type { RunResult } from '../../harness/results.ts';

const dir = await mkdtemp(join(tmpdir(), 'lsmm-snap-'));
// A memory size no other test uses gives this test its own cache entry.
const config = join(dir, 'snap.config.mjs');
await writeFile(config, `export default { kernels: ['debian-6.12'], stacks: ['apparmor'], memoryMiB: 1792, scenarios: ['apparmor/enabled'] };\n`);
const runs: RunResult[] = [];
const go = async (name: string) => {
  const r = await cli(['run', '--config', config, '--out', join(dir, name)]);
  expect(r.exitCode, String(r.all).slice(-3000)).toBe(0);
  runs.push(await readRun(join(dir, name)));
  return { run: runs.at(-1)!, stderr: String(r.stderr) };
};
const verdicts = (r: RunResult) => r.cells[0]!.tests.map((t) => `${t.name}: ${t.verdict}`);
let key: string | undefined;

afterAll(async () => {
  if (key) await rm(join(snapshotsDir(), key), { recursive: true, force: true });
});

test('a cold run boots and saves the cell', async () => {
  const { run } = await go('cold');
  const c = run.cells[0]!;
  expect(c.startedFrom).toBe('boot');
  expect(c.snapshot?.cache).toBe('stored');
  key = c.snapshot?.cacheKey;
  expect(key).toMatch(/^[0-9a-f]{20}$/);
  expect(verdicts(run).every((v) => v.endsWith(': pass'))).toBe(true);
}, 20 * 60_000);

test('the next run starts from the snapshot: same stack, same verdicts, a fraction of the boot', async () => {
  const { run } = await go('warm');
  const [cold, warm] = [runs[0]!.cells[0]!, run.cells[0]!];
  expect(warm.startedFrom).toBe('snapshot');
  expect(warm.snapshot?.cache).toBe('hit');
  expect(warm.snapshot?.cacheKey).toBe(key);
  expect(warm.stack.active).toEqual(cold.stack.active);
  expect(warm.kernel.release).toBe(cold.kernel.release);
  expect(verdicts(run)).toEqual(verdicts(runs[0]!));
  expect(warm.bootSeconds!).toBeLessThan(cold.bootSeconds! / 3);
}, 20 * 60_000);

test('a corrupted entry is detected, removed and rebuilt, never used', async () => {
  const f = await open(join(snapshotsDir(), key!, 'disk.qcow2'), 'r+');
  await f.write(Buffer.alloc(4096, 0xff), 0, 4096, 0); // the qcow2 header
  await f.close();
  const { run, stderr } = await go('corrupt');
  const c = run.cells[0]!;
  expect(stderr).toMatch(/snapshot cache entry (was stale|unusable) \(.*\): removed, booting/);
  expect(c.startedFrom).toBe('boot');
  expect(c.snapshot?.cache).toBe('stored');
  expect(verdicts(run)).toEqual(verdicts(runs[0]!));
}, 20 * 60_000);
