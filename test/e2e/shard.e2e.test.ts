// Playwright-style sharding on real guests: the matrix run whole, then as
// two shards merged with `lsm-matrix merge`: the same cells, the same
// stacks, the same verdicts.
import { expect, test } from 'vitest';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli, readRun } from './helpers.ts';
import { expandMatrix, parseShard, shardCells } from '../../harness/matrix.ts';
import { parseStack } from '../../harness/stack.ts';
import type { RunResult } from '../../harness/results.ts';

const STACKS = ['apparmor', 'selinux,apparmor', 'default'];
const args = (out: string, shard?: string) => [
  'run', '--kernel', 'debian-6.12', ...STACKS.flatMap((s) => ['--stack', s]), '--scenario', 'apparmor/enabled',
  ...(shard ? ['--shard', shard] : []), '--out', out,
];
const verdicts = (r: RunResult) => Object.fromEntries(r.cells.flatMap((c) => [
  [`${c.id} :: status`, c.status], [`${c.id} :: active`, c.stack.active?.join(',')],
  ...c.tests.map((t) => [`${c.id} :: ${t.id}`, `${t.verdict}${t.reason ? ` (${t.reason})` : ''}`]),
]));

test('two shards merged equal one whole run, verdict for verdict', async () => {
  const cells = expandMatrix({ kernels: ['debian-6.12'], stacks: STACKS.map(parseStack) });
  const sizes = ['1/2', '2/2'].map((s) => shardCells(cells, parseShard(s)).length);
  expect(sizes.every((n) => n > 0), `both shards hold cells: ${sizes}`).toBe(true);
  const dir = await mkdtemp(join(tmpdir(), 'lsmm-shard-'));
  const whole = await cli(args(join(dir, 'whole')));
  expect(whole.exitCode, String(whole.all).slice(-3000)).toBe(0);
  for (const s of ['1/2', '2/2']) {
    const r = await cli(args(join(dir, `shard-${s[0]}`), s));
    expect(r.exitCode, String(r.all).slice(-3000)).toBe(0);
  }
  const m = await cli(['merge', join(dir, 'shard-1'), join(dir, 'shard-2'), '--out', join(dir, 'merged')]);
  expect(m.exitCode, String(m.all)).toBe(0);
  const [a, b] = [await readRun(join(dir, 'whole')), await readRun(join(dir, 'merged'))];
  expect(b.status).toBe('complete');
  expect(b.cells.map((c) => c.id).sort()).toEqual(a.cells.map((c) => c.id).sort());
  expect(verdicts(b)).toEqual(verdicts(a));
  expect(Object.values(verdicts(a)).filter((v) => /^pass/.test(String(v))).length).toBeGreaterThan(0);
}, 40 * 60_000);
