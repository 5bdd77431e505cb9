import { describe, expect, test } from 'vitest';
import { execa } from 'execa';
import { mkdtemp, writeFile, readFile, lstat, readlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeCpio, readCpio } from '../../harness/vm/cpio.ts';
import { moduleLoadOrder } from '../../harness/vm/initramfs/build.ts';

describe('cpio newc writer', () => {
  const entries = [
    { type: 'dir' as const, path: 'bin' },
    { type: 'file' as const, path: 'bin/hello', data: Buffer.from('#!/bin/sh\necho hi\n'), mode: 0o755 },
    { type: 'symlink' as const, path: 'bin/sh', target: 'busybox' },
    { type: 'chardev' as const, path: 'dev/console', major: 5, minor: 1 },
    { type: 'file' as const, path: 'odd', data: Buffer.from('12345') },
  ];
  test('round-trips through its own reader', () => {
    const back = readCpio(writeCpio(entries));
    expect(back.map((e) => e.path)).toEqual(['bin', 'bin/hello', 'bin/sh', 'dev/console', 'odd']);
    expect(back[1]!.data.toString()).toBe('#!/bin/sh\necho hi\n');
    expect(back[1]!.mode & 0o777).toBe(0o755);
    expect(back[2]!.data.toString()).toBe('busybox');
    expect(back[3]!.rdev).toEqual([5, 1]);
    expect(back[4]!.data.toString()).toBe('12345');
  });
  test('GNU cpio reads it the way the kernel will', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cpio-'));
    await writeFile(join(dir, 'a.cpio'), writeCpio(entries.filter((e) => e.type !== 'chardev')));
    const list = await execa('cpio', ['-t', '-F', join(dir, 'a.cpio')], { all: true });
    expect(String(list.stdout).split('\n')).toEqual(['bin', 'bin/hello', 'bin/sh', 'odd']);
    await execa('cpio', ['-id', '-F', join(dir, 'a.cpio')], { cwd: dir });
    expect(await readFile(join(dir, 'bin/hello'), 'utf8')).toBe('#!/bin/sh\necho hi\n');
    expect((await lstat(join(dir, 'bin/hello'))).mode & 0o777).toBe(0o755);
    expect(await readlink(join(dir, 'bin/sh'))).toBe('busybox');
  });
  test('headers and data are 4-byte aligned and the archive ends with a trailer', () => {
    const buf = writeCpio([{ type: 'file', path: 'x', data: Buffer.from('abc') }]);
    expect(buf.length % 4).toBe(0);
    expect(buf.toString('latin1')).toContain('TRAILER!!!');
  });
});

describe('moduleLoadOrder', () => {
  const dep = [
    'kernel/fs/ext4/ext4.ko.xz: kernel/fs/jbd2/jbd2.ko.xz kernel/fs/mbcache.ko.xz kernel/lib/crc16.ko.xz',
    'kernel/fs/jbd2/jbd2.ko.xz:',
    'kernel/fs/mbcache.ko.xz:',
    'kernel/lib/crc16.ko.xz:',
    'kernel/drivers/block/virtio_blk.ko.xz: kernel/drivers/virtio/virtio_ring.ko.xz kernel/drivers/virtio/virtio.ko.xz',
    'kernel/drivers/virtio/virtio_ring.ko.xz: kernel/drivers/virtio/virtio.ko.xz',
    'kernel/drivers/virtio/virtio.ko.xz:',
    'kernel/drivers/virtio/virtio_pci.ko.xz: kernel/drivers/virtio/virtio_pci_modern_dev.ko.xz kernel/drivers/virtio/virtio_ring.ko.xz kernel/drivers/virtio/virtio.ko.xz',
    'kernel/drivers/virtio/virtio_pci_modern_dev.ko.xz:',
    'kernel/crypto/crc32c_generic.ko.xz:',
  ].join('\n');
  test('dependencies come before the modules that need them', () => {
    const order = moduleLoadOrder(dep, '', ['virtio_pci', 'virtio_blk', 'crc32c_generic', 'ext4']);
    const at = (m: string) => order.findIndex((p) => p.includes(`/${m}.ko`));
    expect(new Set(order).size).toBe(order.length);
    expect(at('virtio')).toBeLessThan(at('virtio_ring'));
    expect(at('virtio_ring')).toBeLessThan(at('virtio_pci'));
    expect(at('virtio_pci_modern_dev')).toBeLessThan(at('virtio_pci'));
    expect(at('jbd2')).toBeLessThan(at('ext4'));
    expect(at('crc32c_generic')).toBeLessThan(at('ext4'));
  });
  test('built-in modules are not loaded (6.12 has virtio_pci built in)', () => {
    const order = moduleLoadOrder(dep, 'kernel/drivers/virtio/virtio_pci.ko\nkernel/drivers/virtio/virtio.ko\n', ['virtio_pci', 'virtio_blk']);
    expect(order.some((p) => p.includes('virtio_pci.ko'))).toBe(false);
    expect(order.some((p) => p.endsWith('/virtio.ko.xz'))).toBe(false);
    expect(order).toContain('kernel/drivers/block/virtio_blk.ko.xz');
  });
  test('names with dashes and unknown names', () => {
    expect(moduleLoadOrder(dep, '', ['crc32c-generic', 'nonexistent'])).toEqual(['kernel/crypto/crc32c_generic.ko.xz']);
  });
});
