// Bad input ends with exit 2, one line naming the problem and what is valid,
// and no guest started.
import { describe, expect, test } from 'vitest';
import { mkdtemp, mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { cli, processesMentioning } from './helpers.ts';

async function notAKernelDeb(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'lsmm-deb-'));
  await mkdir(join(dir, 'pkg/DEBIAN'), { recursive: true });
  await mkdir(join(dir, 'pkg/usr/share/doc/hello'), { recursive: true });
  await writeFile(join(dir, 'pkg/DEBIAN/control'), 'Package: hello-lsmm\nVersion: 1.0\nArchitecture: all\nMaintainer: x <x@example.org>\nDescription: not a kernel\n');
  await writeFile(join(dir, 'pkg/usr/share/doc/hello/README'), 'hi\n');
  await execa('dpkg-deb', ['--build', '--root-owner-group', join(dir, 'pkg'), join(dir, 'hello.deb')]);
  return join(dir, 'hello.deb');
}

describe('bad input', () => {
  const cases: [string, () => Promise<string[]>, RegExp][] = [
    ['unknown kernel alias', async () => ['run', '--kernel', 'debian-6.13'], /kernel `debian-6.13` not found: known are debian-6.1, debian-6.12/],
    ['malformed --stack', async () => ['run', '--kernel', 'debian-6.12', '--stack', 'lsm=smack,,apparmor'], /stack `lsm=smack,,apparmor` is malformed/],
    ['unknown LSM', async () => ['run', '--kernel', 'debian-6.12', '--stack', 'apparmour'], /unknown LSM `apparmour`; known are .*apparmor/],
    ['missing .deb path', async () => ['run', '--kernel', 'deb:/nonexistent/linux-image.deb'], /`\/nonexistent\/linux-image.deb` does not exist/],
    ['a .deb that is not a kernel', async () => ['run', '--kernel', `deb:${await notAKernelDeb()}`], /hello-lsmm 1.0.*is not a kernel: no boot\/vmlinuz-\* inside/],
    ['a file that is not a .deb', async () => ['run', '--kernel', 'deb:/etc/hostname'], /is not a Debian package/],
    ['an unreadable config', async () => ['run', '--config', '/nonexistent/lsm-matrix.config.ts'], /config `\/nonexistent\/lsm-matrix.config.ts` cannot be read/],
    ['an unknown option', async () => ['run', '--kernels', 'debian-6.12'], /Unknown option '--kernels'/],
    ['an unknown command', async () => ['boot'], /unknown command `boot`: known are run, shell/],
    ['no scenario matches', async () => ['run', '--scenario', 'nonesuch/**'], /matches no scenario file: areas are .*apparmor/],
  ];
  test.each(cases)('%s → exit 2 with a one-line reason', async (_name, args, message) => {
    const out = await mkdtemp(join(tmpdir(), 'lsmm-bad-'));
    const argv = await args();
    const r = await cli(argv[0] === 'run' ? [...argv, '--out', out] : argv);
    expect(r.exitCode).toBe(2);
    const lines = String(r.stderr).trim().split('\n').filter((l) => l.startsWith('lsm-matrix:'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(message);
    expect(await processesMentioning(out)).toEqual([]);
  }, 120_000);

  test('--help prints usage and exits 0', async () => {
    const r = await cli(['run', '--help']);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/--kernel <spec>/);
  });
});
