import { describe, expect, test } from 'vitest';
import { validateConfig, loadConfig } from '../../harness/config.ts';
import { expandMatrix, parseShard, shardCells } from '../../harness/matrix.ts';
import { writeFile, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

describe('config', () => {
  test('fills defaults and parses stacks', () => {
    const c = validateConfig({ kernels: ['debian-6.12'], stacks: ['apparmor', 'security=smack,apparmor'] });
    expect(c.image).toBe('bookworm-containers');
    expect(c.stacks.map((s) => s.cmdline)).toEqual(['lsm=apparmor', 'security=smack,apparmor']);
    expect(c.bootTimeoutSeconds).toBe(240);
  });
  test.each([
    [{ kernels: 'debian-6.12', stacks: ['apparmor'] }, /`kernels` must be a list/],
    [{ kernels: [], stacks: ['apparmor'] }, /`kernels` is empty/],
    [{ kernels: ['debian-6.13'], stacks: ['apparmor'] }, /kernel `debian-6.13` not found: known are debian-6.1/],
    [{ kernels: ['debian-6.12'], stacks: ['apparmour'] }, /unknown LSM `apparmour`/],
    [{ kernels: ['debian-6.12'], stacks: ['apparmor'], kernal: 1 }, /unknown field `kernal`/],
    [{ kernels: ['debian-6.12'], stacks: ['apparmor'], memoryMiB: -1 }, /`memoryMiB` must be a positive number/],
  ])('refuses %j', (raw, message) => {
    expect(() => validateConfig(raw)).toThrow(message);
  });
  test('the shipped default config is the 11-cell matrix', async () => {
    const c = await loadConfig('lsm-matrix.config.ts');
    expect(expandMatrix(c).map((x) => x.id)).toEqual([
      'debian-6.1 default', 'debian-6.1 apparmor', 'debian-6.1 selinux,apparmor', 'debian-6.1 tomoyo,apparmor',
      'debian-6.12 default', 'debian-6.12 apparmor', 'debian-6.12 selinux,apparmor', 'debian-6.12 tomoyo,apparmor',
      'debian-6.12+smack smack,apparmor', 'debian-6.12+smack apparmor,smack', 'debian-6.12+smack security=smack,apparmor',
    ]);
  });
  test('an unreadable config says so', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cfg-'));
    const bad = join(dir, 'bad.config.ts');
    await writeFile(bad, 'export default {{{');
    await expect(loadConfig(bad)).rejects.toThrow(/cannot be read/);
    await expect(loadConfig(join(dir, 'none.ts'))).rejects.toThrow(/no such file/);
  });
});

describe('shards', () => {
  const cells = expandMatrix(validateConfig({ kernels: ['debian-6.1', 'debian-6.12', 'debian:linux-image-6.1.0-56-cloud-amd64-unsigned'], stacks: ['default', 'apparmor', 'selinux,apparmor', 'tomoyo,apparmor'] }));
  test('shards partition the cells', () => {
    const parts = [1, 2, 3].map((i) => shardCells(cells, { index: i, total: 3 }).map((c) => c.id));
    expect(parts.flat().sort()).toEqual(cells.map((c) => c.id).sort());
    expect(new Set(parts.flat()).size).toBe(cells.length);
  });
  test('adding a kernel does not move existing cells between shards', () => {
    const more = expandMatrix(validateConfig({ kernels: ['debian-6.1', 'debian-6.12', 'debian:linux-image-6.1.0-56-cloud-amd64-unsigned', 'bzimage:/x'], stacks: ['default', 'apparmor', 'selinux,apparmor', 'tomoyo,apparmor'] }));
    const before = shardCells(cells, { index: 1, total: 2 }).map((c) => c.id);
    const after = shardCells(more, { index: 1, total: 2 }).map((c) => c.id);
    expect(after.filter((id) => !id.startsWith('bzimage'))).toEqual(before);
  });
  test('malformed shard', () => {
    expect(() => parseShard('3/2')).toThrow(/k\/n/);
    expect(parseShard('2/3')).toEqual({ index: 2, total: 3 });
  });
});

describe('include: cells beyond kernels × stacks', () => {
  test('a kernel with its own stacks is appended once', () => {
    const c = validateConfig({ kernels: ['debian-6.12'], stacks: ['apparmor'], include: [{ kernel: 'debian-6.12+smack', stacks: ['smack,apparmor', 'security=smack,apparmor'] }, { kernel: 'debian-6.12', stacks: ['apparmor'] }] });
    expect(expandMatrix(c).map((x) => x.id)).toEqual(['debian-6.12 apparmor', 'debian-6.12+smack smack,apparmor', 'debian-6.12+smack security=smack,apparmor']);
  });
  test('bad include entries are refused with the field named', () => {
    expect(() => validateConfig({ kernels: ['debian-6.12'], stacks: ['apparmor'], include: [{ kernel: 'debian-6.12', stack: 'x' }] })).toThrow('config: `include[0]` has unknown field `stack`; known are kernel, stacks');
    expect(() => validateConfig({ kernels: ['debian-6.12'], stacks: ['apparmor'], include: [{ kernel: 'debian-6.12', stacks: ['smack,bogus'] }] })).toThrow(/unknown LSM `bogus`/);
    expect(() => validateConfig({ kernels: ['debian-6.12'], stacks: ['apparmor'], include: {} })).toThrow(/`include` must be a list/);
  });
});
