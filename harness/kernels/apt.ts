import { readdir } from 'node:fs/promises';
import { UserError } from '../errors.ts';
import { sh } from '../proc.ts';

const KERNEL_PKG = /^linux-image-(\d+\.\d+[.\d]*(?:-\d+)?(?:\+deb\d+)?)-([a-z0-9-]+)-unsigned$/;

/** Pure: the newest package of a kernel series and flavour among apt's package names. */
export function newestInSeries(names: string[], series: string, flavour: string): string | undefined {
  const matches = names
    .map((n) => ({ n, m: KERNEL_PKG.exec(n) }))
    .filter(({ m }) => m && m[2] === flavour && (m[1]!.startsWith(`${series}.`) || m[1]!.startsWith(`${series}-`)))
    .map(({ n, m }) => ({ n, ver: m![1]! }));
  matches.sort((a, b) => a.ver.localeCompare(b.ver, 'en', { numeric: true }));
  return matches.at(-1)?.n;
}

export async function aptPackageNames(prefix: string): Promise<string[]> {
  const out = await sh('apt-cache', ['pkgnames', prefix], { pkg: 'apt' });
  return out.split('\n').filter(Boolean);
}

export async function resolveSeries(series: string, flavour: string): Promise<string> {
  const names = await aptPackageNames('linux-image-');
  const pkg = newestInSeries(names, series, flavour);
  if (!pkg) {
    throw new UserError(`no linux-image-${series}.*-${flavour}-unsigned package in the apt index (found ${names.length} linux-image packages): run \`apt-get update\`, or check the series`);
  }
  return pkg;
}

/** Candidate version apt would download, or a UserError if apt does not know the package. */
export async function aptVersion(pkg: string): Promise<string> {
  const out = await sh('apt-cache', ['policy', pkg], { pkg: 'apt' }).catch(() => '');
  const m = /Candidate:\s*(\S+)/.exec(out);
  if (!m || m[1] === '(none)') {
    throw new UserError(`Debian package \`${pkg}\` not found in the apt index: run \`apt-get update\`, or list kernels with \`apt-cache search linux-image\``);
  }
  return m[1]!;
}

/** Download one package's .deb into `dir`, returning its path. */
export async function aptDownload(pkg: string, version: string, dir: string): Promise<string> {
  await sh('apt-get', ['download', '-q', `${pkg}=${version}`], { cwd: dir, pkg: 'apt' });
  const deb = (await readdir(dir)).find((f) => f.startsWith(`${pkg}_`) && f.endsWith('.deb'));
  if (!deb) throw new Error(`apt-get download ${pkg}=${version} produced no .deb in ${dir}`);
  return `${dir}/${deb}`;
}
