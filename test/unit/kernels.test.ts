import { describe, expect, test } from 'vitest';
import { parseKernelSpec } from '../../harness/kernels/spec.ts';
import { newestInSeries } from '../../harness/kernels/apt.ts';
import { bzImageVersion } from '../../harness/kernels/bzimage.ts';

describe('kernel specs', () => {
  test('catalogue names expand', () => {
    expect(parseKernelSpec('debian-6.12')).toEqual({ kind: 'debian-series', series: '6.12', flavour: 'amd64' });
  });
  test('deb: takes several files or URLs joined by +', () => {
    expect(parseKernelSpec('deb:/a/linux-image.deb+https://x/linux-modules.deb')).toEqual({ kind: 'deb', sources: ['/a/linux-image.deb', 'https://x/linux-modules.deb'] });
  });
  test('bzimage: with modules', () => {
    expect(parseKernelSpec('bzimage:arch/x86/boot/bzImage,modules=/tmp/mods')).toEqual({ kind: 'bzimage', path: 'arch/x86/boot/bzImage', modules: '/tmp/mods' });
    expect(() => parseKernelSpec('bzimage:x,foo=1')).toThrow(/unknown option `foo=1`/);
  });
  test('debian: wants an image package name', () => {
    expect(parseKernelSpec('debian:linux-image-6.1.0-56-cloud-amd64-unsigned')).toEqual({ kind: 'debian', pkg: 'linux-image-6.1.0-56-cloud-amd64-unsigned' });
    expect(() => parseKernelSpec('debian:bash')).toThrow(/not a Debian kernel image package/);
  });
  test('unknown names list the catalogue', () => {
    expect(() => parseKernelSpec('debian-6.13')).toThrow('kernel `debian-6.13` not found: known are debian-6.1, debian-6.12');
  });
});

describe('newestInSeries', () => {
  const names = [
    'linux-image-6.1.0-9-amd64-unsigned', 'linux-image-6.1.0-47-amd64-unsigned', 'linux-image-6.1.0-56-amd64-unsigned',
    'linux-image-6.1.0-56-cloud-amd64-unsigned', 'linux-image-6.1.0-56-rt-amd64-unsigned',
    'linux-image-6.12.9+deb12-amd64-unsigned', 'linux-image-6.12.117+deb12-amd64-unsigned', 'linux-image-6.12.48+deb12-amd64-unsigned',
    'linux-image-amd64', 'linux-image-6.1.0-56-amd64',
  ];
  test('numeric, not lexical, order', () => {
    expect(newestInSeries(names, '6.1', 'amd64')).toBe('linux-image-6.1.0-56-amd64-unsigned');
    expect(newestInSeries(names, '6.12', 'amd64')).toBe('linux-image-6.12.117+deb12-amd64-unsigned');
  });
  test('flavours are kept apart', () => {
    expect(newestInSeries(names, '6.1', 'cloud-amd64')).toBe('linux-image-6.1.0-56-cloud-amd64-unsigned');
    expect(newestInSeries(names, '6.2', 'amd64')).toBeUndefined();
  });
});

describe('bzImageVersion', () => {
  test('reads the setup header', () => {
    const buf = Buffer.alloc(0x1000);
    buf.write('HdrS', 0x202, 'latin1');
    buf.writeUInt16LE(0x800 - 0x200, 0x20e);
    buf.write('6.12.0-dev (me@host) #1 SMP\0', 0x800, 'latin1');
    expect(bzImageVersion(buf)).toBe('6.12.0-dev');
  });
  test('anything else is not a bzImage', () => {
    expect(bzImageVersion(Buffer.from('hello'))).toBeUndefined();
    expect(bzImageVersion(Buffer.alloc(0x1000))).toBeUndefined();
  });
});
