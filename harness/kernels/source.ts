/**
 * `source:` kernels: build a bzImage from Debian's linux-source package or a
 * developer's tree/tarball, with patches and config fragments, everything
 * built in (no modules disk). Cached twice: by the hash of the inputs (a
 * second build of the same thing is a lookup) and by the hash of (source
 * version, patches, resulting .config), which names the kernel's directory.
 */
import { copyFile, mkdir, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { createReadStream, createWriteStream } from 'node:fs';
import { createHash } from 'node:crypto';
import { cpus } from 'node:os';
import { join, resolve as resolvePath } from 'node:path';
import { execa } from 'execa';
import { UserError, InfraError } from '../errors.ts';
import { buildOnce, cacheRoot, exists, withCacheLock } from '../cache.ts';
import { onCleanup } from '../vm/reaper.ts';
import { sh } from '../proc.ts';
import { aptDownload, aptVersion } from './apt.ts';
import { applyPatches, loadPatches, type Patch } from './patches.ts';
import { fragmentOptions, readFragments, unmetOptions } from './fragments.ts';
import type { KernelFiles } from './deb.ts';

export interface SourceSpec {
  kind: 'source';
  /** `debian-6.12`, or a path to a kernel tree or tarball. */
  origin: string;
  fragments: string[];
  patches?: string;
}

type Progress = (line: string) => void;

/** Bump when the build recipe below changes what a given input produces. */
const RECIPE = 'defconfig+kvm_guest.config+base+fragments+mod2yesconfig/v1';

interface Origin {
  /** Exact identity of the source: `linux-source-6.12=6.12.117-1~deb12u1`, a tarball's sha256, a tree's git state. */
  id: string;
  /** Unpack (or copy) the source into `dir` (the top of the kernel tree). */
  unpack(dir: string, log: Progress): Promise<void>;
}

async function debianOrigin(series: string): Promise<Origin> {
  const pkg = `linux-source-${series}`;
  const version = await aptVersion(pkg);
  return {
    id: `${pkg}=${version}`,
    async unpack(dir, log) {
      const dl = join(dir, '..', 'download');
      await mkdir(dl, { recursive: true });
      log(`downloading ${pkg} ${version}`);
      const deb = await aptDownload(pkg, version, dl);
      log(`unpacking ${pkg}`);
      await sh('dpkg-deb', ['-x', deb, dl], { pkg: 'dpkg' });
      const src = join(dl, 'usr', 'src');
      const tarball = (await readdir(src)).find((f) => /^linux-source-.*\.tar\.(xz|gz|bz2)$/.test(f));
      if (!tarball) throw new InfraError(`${pkg} ${version} holds no linux-source tarball under /usr/src`);
      await untar(join(src, tarball), dir);
      await rm(dl, { recursive: true, force: true });
    },
  };
}

async function untar(tarball: string, dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  await sh('tar', ['-xf', tarball, '-C', dir, '--strip-components=1'], { pkg: 'tar' });
}

async function pathOrigin(given: string): Promise<Origin> {
  const path = resolvePath(given);
  const st = await stat(path).catch(() => undefined);
  if (!st) throw new UserError(`kernel source \`${given}\` does not exist (write source:debian-6.1, source:debian-6.12, or a path to a kernel tree or tarball)`);
  if (st.isFile()) {
    const hash = createHash('sha256');
    for await (const chunk of createReadStream(path)) hash.update(chunk);
    return { id: `tarball:${hash.digest('hex')}`, unpack: (dir, log) => (log(`unpacking ${given}`), untar(path, dir)) };
  }
  if (!(await exists(join(path, 'Kconfig'))) || !(await exists(join(path, 'arch', 'x86')))) {
    throw new UserError(`\`${given}\` is not a Linux kernel tree (no Kconfig and arch/x86 at its top)`);
  }
  // A tree's identity: its commit plus its uncommitted changes, or (no git) its files' sizes and times.
  const git = await execa('git', ['-C', path, 'rev-parse', 'HEAD'], { reject: false });
  let id: string;
  if (git.exitCode === 0) {
    const diff = await execa('git', ['-C', path, 'diff', 'HEAD'], { reject: false, maxBuffer: 1 << 30 });
    const untracked = await execa('git', ['-C', path, 'status', '--porcelain'], { reject: false });
    id = `git:${git.stdout}:${createHash('sha256').update(String(diff.stdout)).update(String(untracked.stdout)).digest('hex').slice(0, 16)}`;
  } else {
    const list = await execa('find', [path, '-type', 'f', '-not', '-name', '*.o', '-printf', '%P %s %T@\n'], { maxBuffer: 1 << 30 });
    id = `tree:${createHash('sha256').update(String(list.stdout)).digest('hex')}`;
  }
  return {
    id,
    async unpack(dir, log) {
      // Build a copy: patches must not touch the developer's tree, and a configured tree refuses O=.
      log(`copying ${given} (without .git and build products)`);
      await mkdir(dir, { recursive: true });
      await execa('sh', ['-c', 'tar -C "$1" --exclude=.git --exclude="*.o" --exclude="*.cmd" -cf - . | tar -C "$2" -xf -', 'copy', path, dir]);
      await execa('make', ['-s', 'mrproper'], { cwd: dir, reject: false });
    },
  };
}

function originOf(spec: SourceSpec): Promise<Origin> {
  const series = /^debian-(\d+\.\d+)$/.exec(spec.origin)?.[1];
  return series ? debianOrigin(series) : pathOrigin(spec.origin);
}

const hex = (h: ReturnType<typeof createHash>, n = 16) => h.digest('hex').slice(0, n);

/** The compiler is an input: it changes the .config (CONFIG_GCC_VERSION) and the code. */
async function compilerId(): Promise<string> {
  return (await sh('gcc', ['--version'], { pkg: 'gcc' })).split('\n')[0] ?? 'gcc';
}

/** Last lines of a build log that say what went wrong. */
export function buildFailure(log: string): string {
  const lines = log.trimEnd().split('\n');
  const errors = lines.filter((l) => /\berror\b|Error \d|\*\*\*/.test(l));
  return (errors.length ? errors : lines).slice(-8).join('\n');
}

export async function buildSourceKernel(name: string, spec: SourceSpec, root: string, progress: Progress): Promise<{ dir: string; source: string }> {
  const origin = await originOf(spec);
  const patches: Patch[] = spec.patches ? await loadPatches(resolvePath(spec.patches)) : [];
  const fragments = await readFragments(['base', ...spec.fragments]);
  const inputs = createHash('sha256').update(RECIPE).update(origin.id).update(await compilerId());
  for (const p of patches) inputs.update(p.name).update(p.text);
  for (const f of fragments) inputs.update(f.name).update(f.text);
  const inputKey = hex(inputs);
  const index = join(root, 'source-index', inputKey);
  const source = `source:${origin.id}${patches.length ? ` +${patches.length} patches` : ''} fragments=${spec.fragments.join('+') || '(none)'}`;

  const cached = async () => {
    const known = (await readFile(index, 'utf8').catch(() => '')).trim();
    return known && (await exists(join(root, known, 'files.json'))) ? join(root, known) : undefined;
  };
  const hit = await cached();
  if (hit) {
    progress(`${name}: cached (${hit.split('/').pop()})`);
    return { dir: hit, source };
  }
  return withCacheLock(index, async () => {
    const made = await cached();
    if (made) return { dir: made, source };
    return buildLocked(name, origin, patches, fragments, inputKey, index, source, root, progress);
  }, (pid) => progress(`${name}: another lsm-matrix (pid ${pid}) is building this kernel; waiting for it`));
}

async function buildLocked(
  name: string, origin: Origin, patches: Patch[], fragments: { name: string; path: string; text: string }[],
  inputKey: string, index: string, source: string, root: string, progress: Progress,
): Promise<{ dir: string; source: string }> {
  const logs = join(root, 'logs');
  await mkdir(logs, { recursive: true });
  const logPath = join(logs, `source-${inputKey}.log`);
  const logStream = createWriteStream(logPath);
  const log = (line: string) => logStream.write(`${line}\n`);
  const work = join(cacheRoot(), 'scratch', `kbuild-${inputKey}-${process.pid}`);
  const unregister = onCleanup(() => rm(work, { recursive: true, force: true }));
  const started = Date.now();
  try {
    const tree = join(work, 'linux');
    await origin.unpack(tree, (l) => (progress(`${name}: ${l}`), log(l)));
    if (patches.length) {
      progress(`${name}: applying ${patches.length} patch(es)`);
      await applyPatches(tree, patches, log);
    }
    progress(`${name}: configuring (defconfig + kvm_guest.config + ${fragments.map((f) => f.name).join(' + ')})`);
    const make = (args: string[], opts: { quiet?: boolean } = {}) => runMake(tree, args, log, opts.quiet ? undefined : progress, name);
    await make(['defconfig'], { quiet: true });
    await make(['kvm_guest.config'], { quiet: true });
    await sh(join(tree, 'scripts/kconfig/merge_config.sh'), ['-m', '-O', tree, join(tree, '.config'), ...fragments.map((f) => f.path)], { cwd: tree });
    await make(['olddefconfig'], { quiet: true });
    // Everything built in: the guest gets one bzImage and no modules disk.
    await make(['mod2yesconfig'], { quiet: true });
    const config = fragmentOptions(await readFile(join(tree, '.config'), 'utf8'));
    const wanted = new Map(fragments.flatMap((f) => [...fragmentOptions(f.text)]));
    const unmet = unmetOptions(wanted, config);
    if (unmet.length) {
      progress(`${name}: warning: ${unmet.length} fragment option(s) did not stick: ${unmet.slice(0, 6).join(', ')}${unmet.length > 6 ? ', …' : ''}`);
      log(`unmet fragment options:\n${unmet.join('\n')}`);
    }
    const configText = await readFile(join(tree, '.config'), 'utf8');
    const outHash = createHash('sha256').update(origin.id);
    for (const p of patches) outHash.update(p.text);
    outHash.update(configText.replace(/^#.*\n/gm, ''));
    progress(`${name}: building bzImage with ${cpus().length} jobs (log: ${logPath})`);
    await make([`-j${cpus().length}`, 'bzImage']);
    const version = (await sh('make', ['-s', 'kernelrelease'], { cwd: tree })).trim();
    const dirName = `source_${version.replace(/[^A-Za-z0-9.+_-]/g, '_')}_${hex(outHash, 12)}`;
    const dir = join(root, dirName);
    await buildOnce(dir, async (tmp) => {
      await copyFile(join(tree, 'arch/x86/boot/bzImage'), join(tmp, 'vmlinuz'));
      await copyFile(join(tree, '.config'), join(tmp, 'config'));
      await copyFile(join(tree, 'System.map'), join(tmp, 'System.map'));
      const files: KernelFiles = { version, vmlinuz: 'vmlinuz', config: 'config', systemMap: 'System.map' };
      await writeFile(join(tmp, 'files.json'), JSON.stringify(files, null, 2));
      await writeFile(join(tmp, 'build.json'), JSON.stringify({ source, inputKey, seconds: Math.round((Date.now() - started) / 1000), unmetFragmentOptions: unmet }, null, 2));
      await copyFile(logPath, join(tmp, 'build.log')).catch(() => {});
    });
    await writeFile(`${index}.tmp-${process.pid}`, dirName);
    await rename(`${index}.tmp-${process.pid}`, index);
    progress(`${name}: built ${version} in ${Math.round((Date.now() - started) / 1000)} s`);
    return { dir, source };
  } catch (e) {
    if (e instanceof UserError) throw new UserError(`${name}: ${e.message}\nfull log: ${logPath}`);
    throw e;
  } finally {
    logStream.end();
    unregister();
    await rm(work, { recursive: true, force: true });
  }
}

/** Run make in the tree, everything to the log; a build failure names the failing file and the last compiler lines. */
async function runMake(tree: string, args: string[], log: Progress, progress: Progress | undefined, name: string): Promise<void> {
  const env = {
    CCACHE_DIR: join(cacheRoot(), 'ccache'),
    // Fixed build stamps keep the bzImage reproducible and ccache hits high.
    KBUILD_BUILD_TIMESTAMP: 'lsm-matrix',
    KBUILD_BUILD_USER: 'lsm-matrix',
    KBUILD_BUILD_HOST: 'lsm-matrix',
  };
  const ccache = await execa('ccache', ['--version'], { reject: false });
  const cc = ccache.exitCode === 0 ? ['CC=ccache gcc'] : [];
  // Its own process group, so an interrupt stops make and every compiler it
  // started before the tree is removed.
  const child = execa('make', [...cc, ...args], { cwd: tree, env, all: true, reject: false, buffer: false, detached: true });
  const unregister = onCleanup(async () => {
    try {
      process.kill(-child.pid!, 'SIGTERM');
    } catch {
      // already gone
    }
    await child.catch(() => {});
  });
  let compiled = 0;
  let last = '';
  let tail: string[] = [];
  child.all?.setEncoding('utf8');
  child.all?.on('data', (chunk: string) => {
    log(chunk.trimEnd());
    for (const line of chunk.split('\n')) {
      const cc = /^\s+CC\s+(\S+)/.exec(line);
      if (cc) (compiled++, (last = cc[1]!));
      if (line.trim()) tail.push(line);
    }
    if (tail.length > 400) tail = tail.slice(-200);
  });
  const started = Date.now();
  const tick = progress && setInterval(() => progress(`${name}: building… ${compiled} files compiled, ${Math.round((Date.now() - started) / 1000)} s (at ${last})`), 30_000);
  try {
    const r = await child;
    if ((r as any).code === 'ENOENT') throw new UserError('`make` is not installed: apt-get install make gcc flex bison bc libelf-dev libssl-dev');
    if (r.exitCode !== 0) {
      const text = tail.join('\n');
      const file = /^([\w./-]+\.[chS]):\d+(?::\d+)?: (?:fatal )?error/m.exec(text)?.[1];
      throw new UserError(`kernel build failed (make ${args.join(' ')})${file ? ` in ${file}` : ''}:\n${buildFailure(text)}`);
    }
  } finally {
    unregister();
    if (tick) clearInterval(tick);
  }
}
