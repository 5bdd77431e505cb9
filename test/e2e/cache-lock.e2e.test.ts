// Two runs sharing one cache directory at once: the kernel is extracted once,
// the other run waits for it; both succeed, and the cache holds one whole
// entry with no temp or lock directories left.
import { expect, test } from 'vitest';
import { mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli } from './helpers.ts';

test('two concurrent kernel builds into one cache: one extraction, one entry, both succeed', async () => {
  const cache = await mkdtemp(join(tmpdir(), 'lsmm-lock-'));
  const env = { ...process.env, LSM_MATRIX_CACHE: cache } as Record<string, string>;
  const [a, b] = await Promise.all([0, 1].map(() => cli(['kernel', 'build', 'debian-6.1'], { env, timeoutMs: 10 * 60_000 })));
  for (const r of [a!, b!]) expect(r.exitCode, String(r.all)).toBe(0);
  const both = `${a!.stderr}\n${b!.stderr}`;
  expect(both.match(/^\S+ extracting linux-image/gm)).toHaveLength(1);
  expect(both).toMatch(/another lsm-matrix \(pid \d+\) is extracting linux-image-6\.1[^;]*; waiting for it/);
  const entries = await readdir(join(cache, 'kernels'));
  expect(entries.filter((e) => e.startsWith('debian_linux-image-6.1'))).toHaveLength(1);
  expect(entries.filter((e) => /\.tmp-|\.lock$/.test(e))).toEqual([]);
  const dirOf = (out: string) => / in (\S+) \[/.exec(out)?.[1];
  expect(dirOf(String(a!.stdout))).toBe(dirOf(String(b!.stdout)));
}, 10 * 60_000);
