import { UserError } from '../errors.ts';
import { catalogue } from '../../kernels/catalogue.ts';
import type { SourceSpec } from './source.ts';

export type KernelSpec =
  | { kind: 'debian-series'; series: string; flavour: string }
  | { kind: 'debian'; pkg: string }
  | { kind: 'deb'; sources: string[] }
  | { kind: 'bzimage'; path: string; modules?: string }
  | SourceSpec;

const FORMS = 'a catalogue name, `debian:<package>`, `deb:<path-or-url>[+<path-or-url>...]` `bzimage:<path>[,modules=<dir>]` or `source:<debian-6.1|debian-6.12|tree|tarball>[,fragments=a+b][,patches=<dir|file|mbox>]`';

/** Turn what the user wrote (`debian-6.12`, `deb:a.deb+b.deb`, ...) into a spec. */
export function parseKernelSpec(input: string): KernelSpec {
  const text = input.trim();
  const entry = catalogue[text];
  if (entry) return parseKernelSpec(entry.spec);
  const colon = text.indexOf(':');
  const kind = colon < 0 ? '' : text.slice(0, colon);
  const rest = colon < 0 ? '' : text.slice(colon + 1);
  switch (kind) {
    case 'debian-series': {
      const [series, flavour = 'amd64'] = rest.split('/');
      if (!series || !/^\d+\.\d+$/.test(series)) throw new UserError(`kernel \`${input}\`: series must look like 6.12`);
      return { kind: 'debian-series', series, flavour };
    }
    case 'debian':
      if (!/^linux-image-[a-z0-9.+~-]+$/.test(rest)) {
        throw new UserError(`kernel \`${input}\`: \`${rest}\` is not a Debian kernel image package name (expected linux-image-…)`);
      }
      return { kind: 'debian', pkg: rest };
    case 'deb': {
      const sources = rest.split('+').map((s) => s.trim()).filter(Boolean);
      if (sources.length === 0) throw new UserError(`kernel \`${input}\`: no .deb path or URL after \`deb:\``);
      return { kind: 'deb', sources };
    }
    case 'bzimage': {
      const [path, ...opts] = rest.split(',');
      if (!path) throw new UserError(`kernel \`${input}\`: no path after \`bzimage:\``);
      let modules: string | undefined;
      for (const o of opts) {
        const m = /^modules=(.+)$/.exec(o);
        if (!m) throw new UserError(`kernel \`${input}\`: unknown option \`${o}\` (only modules=<dir>)`);
        modules = m[1];
      }
      return { kind: 'bzimage', path, ...(modules ? { modules } : {}) };
    }
    case 'source': {
      const [origin, ...opts] = rest.split(',');
      if (!origin) throw new UserError(`kernel \`${input}\`: no source after \`source:\` (debian-6.1, debian-6.12, or a path to a tree or tarball)`);
      const spec: SourceSpec = { kind: 'source', origin, fragments: [] };
      for (const o of opts) {
        const m = /^(fragments|patches)=(.+)$/.exec(o);
        if (!m) throw new UserError(`kernel \`${input}\`: unknown option \`${o}\` (fragments=<a+b>, patches=<dir|file|mbox>)`);
        if (m[1] === 'fragments') spec.fragments = m[2]!.split('+').filter(Boolean);
        else spec.patches = m[2]!;
      }
      return spec;
    }
    default:
      throw new UserError(`kernel \`${input}\` not found: known are ${Object.keys(catalogue).join(', ')}; or write ${FORMS}`);
  }
}
