import { expect, test } from 'vitest';
import { mkdtemp, mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { bootInitramfs, policyInitramfsPath } from '../../harness/guest/policy-cache.ts';

test('the policy initramfs is per kernel, base initramfs and image', () => {
  const o = { kernelDir: '/c/kernels/k1', initramfs: '/c/kernels/k1/initramfs-abc/initramfs.cpio', imageHash: '0123456789abcdef' };
  expect(policyInitramfsPath(o)).toBe('/c/kernels/k1/policy-initramfs-abc-0123456789ab/initramfs.cpio');
  expect(policyInitramfsPath({ ...o, imageHash: 'ffffffffffffffff' })).not.toBe(policyInitramfsPath(o));
  expect(policyInitramfsPath({ ...o, initramfs: '/c/kernels/k1/initramfs-def/initramfs.cpio' })).not.toBe(policyInitramfsPath(o));
});

test('a boot uses the base initramfs until a policy cache was kept, then the one with it', async () => {
  const kernelDir = await mkdtemp(join(tmpdir(), 'lsmm-pc-'));
  const o = { kernelDir, initramfs: join(kernelDir, 'initramfs-abc', 'initramfs.cpio'), imageHash: 'feedfacecafebeef' };
  expect(bootInitramfs(o)).toBe(o.initramfs);
  await mkdir(dirname(policyInitramfsPath(o)), { recursive: true });
  await writeFile(policyInitramfsPath(o), '');
  expect(bootInitramfs(o)).toBe(policyInitramfsPath(o));
});
