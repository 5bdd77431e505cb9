import { copyFile, cp, mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { basename, join, resolve as resolvePath } from 'node:path';
import { InfraError, UserError, messageOf } from '../errors.ts';
import { buildOnce, cacheRoot, exists } from '../cache.ts';
import { describeFile, sh } from '../proc.ts';
import { parseKernelSpec, type KernelSpec } from './spec.ts';
import { aptDownload, aptVersion, resolveSeries } from './apt.ts';
import { absolute, debInfo, extractKernelDebs, type DebInfo, type KernelFiles } from './deb.ts';
import { bzImageVersion, readHead } from './bzimage.ts';
import { buildSourceKernel } from './source.ts';

export interface Kernel {
  /** What the user wrote: `debian-6.12`, `deb:/x.deb`, ... */
  name: string;
  /** Where it came from, precisely: `debian:linux-image-6.12.38+deb12-amd64-unsigned=6.12.38-1`. */
  source: string;
  /** The cache directory holding its files; its basename is the kernel's content key. */
  dir: string;
  files: KernelFiles;
}

export type Progress = (line: string) => void;

/** Resolve a kernel spec to files in the kernel cache, downloading or extracting once. */
export async function resolveKernel(name: string, progress: Progress = () => {}): Promise<Kernel> {
  const spec = parseKernelSpec(name);
  const root = join(cacheRoot(), 'kernels');
  await mkdir(root, { recursive: true });
  switch (spec.kind) {
    case 'debian-series':
      return fromDebianPackage(name, await resolveSeries(spec.series, spec.flavour), root, progress);
    case 'debian':
      return fromDebianPackage(name, spec.pkg, root, progress);
    case 'deb':
      return fromDebs(name, spec, root, progress);
    case 'bzimage':
      return fromBzImage(name, spec, root, progress);
    case 'source': {
      const { dir, source } = await buildSourceKernel(name, spec, root, progress);
      return load(name, source, dir);
    }
  }
}

async function load(name: string, source: string, dir: string): Promise<Kernel> {
  const files = JSON.parse(await readFile(join(dir, 'files.json'), 'utf8')) as KernelFiles;
  return { name, source, dir, files: absolute(files, dir) };
}

const safe = (s: string) => s.replace(/[^A-Za-z0-9.+_-]/g, '_');

async function fromDebianPackage(name: string, pkg: string, root: string, progress: Progress): Promise<Kernel> {
  const version = await aptVersion(pkg);
  const dir = join(root, `debian_${safe(pkg)}_${safe(version)}`);
  const { built } = await buildOnce(dir, async (tmp) => {
    progress(`downloading ${pkg} ${version}`);
    const deb = await aptDownload(pkg, version, tmp);
    progress(`extracting ${basename(deb)}`);
    await extractKernelDebs([await debInfo(deb)], tmp);
    await rm(deb);
  }, (pid) => progress(`another lsm-matrix (pid ${pid}) is extracting ${pkg}; waiting for it`));
  if (!built) progress(`${pkg} ${version}: cached`);
  return load(name, `debian:${pkg}=${version}`, dir);
}

async function download(url: string, root: string, progress: Progress): Promise<string> {
  const key = createHash('sha256').update(url).digest('hex').slice(0, 16);
  const dir = join(root, 'downloads', key);
  const file = safe(basename(new URL(url).pathname) || 'kernel.deb');
  await buildOnce(dir, async (tmp) => {
    progress(`downloading ${url}`);
    let res: Response;
    try {
      res = await fetch(url, { signal: AbortSignal.timeout(120_000) });
    } catch (e) {
      throw new InfraError(`cannot download ${url} (network): ${messageOf((e as any)?.cause ?? e)}`);
    }
    if (!res.ok) throw new InfraError(`cannot download ${url}: HTTP ${res.status}`);
    await writeFile(join(tmp, file), Buffer.from(await res.arrayBuffer()));
  });
  return join(dir, file);
}

async function fromDebs(name: string, spec: Extract<KernelSpec, { kind: 'deb' }>, root: string, progress: Progress): Promise<Kernel> {
  const infos: DebInfo[] = [];
  for (const s of spec.sources) {
    const path = /^https?:\/\//.test(s) ? await download(s, root, progress) : resolvePath(s);
    infos.push(await debInfo(path));
  }
  const key = infos.map((i) => `${i.pkg}_${i.version}`).join('+');
  const dir = join(root, `deb_${safe(key).slice(0, 200)}`);
  await buildOnce(dir, async (tmp) => {
    progress(`extracting ${infos.map((i) => i.pkg).join(' + ')}`);
    await extractKernelDebs(infos, tmp);
  });
  return load(name, `deb:${infos.map((i) => `${i.pkg}=${i.version}`).join('+')}`, dir);
}

/** A modules argument may name `<root>` (with lib/modules/<ver>), `lib/modules`, or `<ver>` itself. */
async function findModulesDir(given: string, version: string): Promise<string> {
  for (const c of [join(given, 'lib/modules', version), join(given, version), given]) {
    if ((await exists(join(c, 'modules.order'))) || (await exists(join(c, 'kernel')))) return c;
  }
  throw new UserError(`modules directory \`${given}\` holds no modules for ${version} (looked for lib/modules/${version}/, ${version}/ and modules.order)`);
}

async function fromBzImage(name: string, spec: Extract<KernelSpec, { kind: 'bzimage' }>, root: string, progress: Progress): Promise<Kernel> {
  const path = resolvePath(spec.path);
  if (!(await exists(path))) throw new UserError(`bzImage \`${spec.path}\` does not exist`);
  const version = bzImageVersion(await readHead(path));
  if (!version) {
    throw new UserError(`\`${spec.path}\` is not an x86 bzImage (no HdrS setup header; it is: ${await describeFile(path)})`);
  }
  const hash = createHash('sha256').update(await readFile(path));
  const modules = spec.modules ? await findModulesDir(resolvePath(spec.modules), version) : undefined;
  if (modules) for (const f of (await readdir(modules)).sort()) hash.update(f);
  const dir = join(root, `bzimage_${safe(version)}_${hash.digest('hex').slice(0, 12)}`);
  await buildOnce(dir, async (tmp) => {
    progress(`importing ${spec.path} (${version})`);
    await copyFile(path, join(tmp, 'vmlinuz'));
    const files: KernelFiles = { version, vmlinuz: 'vmlinuz' };
    if (modules) {
      const dest = join(tmp, 'modules', 'lib', 'modules', version);
      await mkdir(dest, { recursive: true });
      await cp(modules, dest, { recursive: true, dereference: true });
      await sh('depmod', ['-b', join(tmp, 'modules'), version], { pkg: 'kmod' });
      files.modulesRoot = 'modules';
    }
    // A developer's tree keeps .config and System.map at its top, four levels above arch/x86/boot/bzImage.
    for (const [f, key] of [['.config', 'config'], ['System.map', 'systemMap']] as const) {
      const near = join(path, '..', '..', '..', '..', f);
      if (await exists(near)) {
        await copyFile(near, join(tmp, key));
        files[key] = key;
      }
    }
    await writeFile(join(tmp, 'files.json'), JSON.stringify(files, null, 2));
  });
  return load(name, `bzimage:${path}`, dir);
}
