import { access, constants, statfs, mkdir } from 'node:fs/promises';
import { execa } from 'execa';
import { cacheRoot } from './cache.ts';
import { describeFile } from './proc.ts';

interface Check {
  name: string;
  ok: boolean;
  detail: string;
  fix?: string;
}

async function tool(cmd: string, args: string[], pkg: string): Promise<Check> {
  const r = await execa(cmd, args, { reject: false, all: true });
  const ok = r.exitCode === 0;
  return { name: cmd, ok, detail: ok ? String(r.all).split('\n')[0]!.slice(0, 70) : 'not found', ...(ok ? {} : { fix: `apt-get install -y ${pkg}` }) };
}

/** Check the host; print one line per requirement and the fix for each missing one. */
export async function doctor(print: (l: string) => void): Promise<number> {
  const checks: Check[] = [
    await tool('qemu-system-x86_64', ['--version'], 'qemu-system-x86'),
    await tool('qemu-img', ['--version'], 'qemu-utils'),
    await tool('mmdebstrap', ['--version'], 'mmdebstrap'),
    await tool('mkfs.ext4', ['-V'], 'e2fsprogs'),
    await tool('depmod', ['--version'], 'kmod'),
    await tool('dpkg-deb', ['--version'], 'dpkg'),
    // ssh-keygen has no version flag: being on PATH is the check.
    await tool('sh', ['-c', 'command -v ssh-keygen'], 'openssh-client').then((c) => ({ ...c, name: 'ssh-keygen' })),
    await tool('xz', ['--version'], 'xz-utils'),
    // For source: kernels (Smack cells) only.
    await tool('make', ['--version'], 'make'),
    await tool('flex', ['--version'], 'flex'),
    await tool('bison', ['--version'], 'bison'),
    await tool('patch', ['--version'], 'patch'),
    await tool('ccache', ['--version'], 'ccache'),
    await tool('sh', ['-c', 'test -e /usr/include/libelf.h && test -e /usr/include/openssl/ssl.h && echo headers present'], 'libelf-dev libssl-dev').then((c) => ({ ...c, name: 'libelf/openssl headers' })),
  ];
  const bb = await describeFile('/bin/busybox');
  const staticBb = /statically linked|static-pie/.test(bb);
  checks.push({ name: 'busybox (static)', ok: staticBb, detail: staticBb ? '/bin/busybox is static' : bb.slice(0, 60), ...(staticBb ? {} : { fix: 'apt-get install -y busybox-static file' }) });
  const apt = await execa('apt-cache', ['pkgnames', 'linux-image-6.'], { reject: false });
  const kernels = String(apt.stdout).split('\n').filter(Boolean).length;
  checks.push({ name: 'apt index', ok: kernels > 0, detail: `${kernels} linux-image-6.* packages known`, ...(kernels ? {} : { fix: 'apt-get update' }) });
  try {
    await access('/dev/kvm', constants.R_OK | constants.W_OK);
    checks.push({ name: '/dev/kvm', ok: true, detail: 'present; `run` proves it with a probe boot and falls back to TCG if it fails' });
  } catch {
    checks.push({ name: '/dev/kvm', ok: true, detail: 'not usable: guests run under TCG (slower, still correct)' });
  }
  const root = cacheRoot();
  await mkdir(root, { recursive: true });
  const fs = await statfs(root);
  const freeGiB = (fs.bavail * fs.bsize) / 2 ** 30;
  checks.push({ name: 'cache', ok: freeGiB > 8, detail: `${root}: ${freeGiB.toFixed(1)} GiB free (an image and two kernels need ~5 GiB)`, ...(freeGiB > 8 ? {} : { fix: 'free space, or set LSM_MATRIX_CACHE to a bigger disk' }) });
  for (const c of checks) print(`${c.ok ? '✓' : '✗'} ${c.name.padEnd(20)} ${c.detail}${c.fix ? `\n    fix: ${c.fix}` : ''}`);
  const bad = checks.filter((c) => !c.ok).length;
  print(bad ? `${bad} problem(s) found` : 'all good');
  return bad ? 2 : 0;
}
