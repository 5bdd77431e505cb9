import { cp, mkdir, readdir, rename, writeFile, rm } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { UserError } from '../errors.ts';
import { exists } from '../cache.ts';
import { describeFile, sh } from '../proc.ts';

export interface DebInfo {
  path: string;
  pkg: string;
  version: string;
}

export async function debInfo(path: string): Promise<DebInfo> {
  if (!(await exists(path))) throw new UserError(`.deb \`${path}\` does not exist`);
  let out: string;
  try {
    out = await sh('dpkg-deb', ['-f', path, 'Package', 'Version'], { pkg: 'dpkg' });
  } catch {
    throw new UserError(`\`${path}\` is not a Debian package (it is: ${await describeFile(path)})`);
  }
  const pkg = /^Package:\s*(\S+)/m.exec(out)?.[1];
  const version = /^Version:\s*(\S+)/m.exec(out)?.[1];
  if (!pkg || !version) throw new UserError(`\`${path}\` has no Package/Version control fields`);
  return { path, pkg, version };
}

/** Where a kernel's files live once extracted into the cache. */
export interface KernelFiles {
  version: string;
  vmlinuz: string;
  config?: string;
  systemMap?: string;
  /** A root holding `lib/modules/<version>/`, depmod already run. */
  modulesRoot?: string;
}

/**
 * Extract kernel .debs (an image package, and for Ubuntu its modules and
 * modules-extra packages) into `out`: vmlinuz, config, System.map at the top,
 * modules under `out/modules/lib/modules/<ver>`, then depmod.
 */
export async function extractKernelDebs(debs: DebInfo[], out: string): Promise<KernelFiles> {
  const stage = join(out, 'stage');
  await mkdir(stage, { recursive: true });
  for (const d of debs) await sh('dpkg-deb', ['-x', d.path, stage], { pkg: 'dpkg' });
  const boot = join(stage, 'boot');
  const bootFiles = (await exists(boot)) ? await readdir(boot) : [];
  const vmlinuz = bootFiles.find((f) => /^vmlinu[xz]-/.test(f));
  if (!vmlinuz) {
    const top = (await readdir(stage)).join(', ') || 'nothing';
    throw new UserError(`${debs.map((d) => `\`${basename(d.path)}\` (${d.pkg} ${d.version})`).join(' + ')} is not a kernel: no boot/vmlinuz-* inside (top-level entries: ${top})`);
  }
  const version = vmlinuz.replace(/^vmlinu[xz]-/, '');
  const files: KernelFiles = { version, vmlinuz: join(out, 'vmlinuz') };
  await rename(join(boot, vmlinuz), files.vmlinuz);
  if (bootFiles.includes(`config-${version}`)) {
    files.config = join(out, 'config');
    await rename(join(boot, `config-${version}`), files.config);
  }
  if (bootFiles.includes(`System.map-${version}`)) {
    files.systemMap = join(out, 'System.map');
    await rename(join(boot, `System.map-${version}`), files.systemMap);
  }
  for (const libdir of ['lib/modules', 'usr/lib/modules']) {
    const src = join(stage, libdir, version);
    if (await exists(src)) {
      const dest = join(out, 'modules', 'lib', 'modules', version);
      await mkdir(dest, { recursive: true });
      await cp(src, dest, { recursive: true });
      files.modulesRoot = join(out, 'modules');
    }
  }
  if (files.modulesRoot) await sh('depmod', ['-b', files.modulesRoot, version], { pkg: 'kmod' });
  await rm(stage, { recursive: true, force: true });
  await writeFile(join(out, 'files.json'), JSON.stringify(relative(files, out), null, 2));
  return files;
}

function relative(f: KernelFiles, out: string): KernelFiles {
  const r = (p?: string) => (p ? p.slice(out.length + 1) : undefined);
  return JSON.parse(JSON.stringify({ version: f.version, vmlinuz: r(f.vmlinuz), config: r(f.config), systemMap: r(f.systemMap), modulesRoot: r(f.modulesRoot) }));
}

export function absolute(f: KernelFiles, dir: string): KernelFiles {
  const a = (p?: string) => (p ? join(dir, p) : undefined);
  return JSON.parse(JSON.stringify({ version: f.version, vmlinuz: a(f.vmlinuz), config: a(f.config), systemMap: a(f.systemMap), modulesRoot: a(f.modulesRoot) }));
}
