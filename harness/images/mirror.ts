import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { UserError } from '../errors.ts';

export interface AptSource {
  uri: string;
  suite: string;
  components: string[];
}

/** Pure: entries of a one-line `.list` file. */
export function parseListFile(text: string): AptSource[] {
  const out: AptSource[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.replace(/#.*/, '').trim();
    const m = /^deb\s+(?:\[[^\]]*\]\s+)?(\S+)\s+(\S+)\s*(.*)$/.exec(line);
    if (m) out.push({ uri: m[1]!, suite: m[2]!, components: m[3]!.split(/\s+/).filter(Boolean) });
  }
  return out;
}

/** Pure: entries of a deb822 `.sources` file. */
export function parseSourcesFile(text: string): AptSource[] {
  const out: AptSource[] = [];
  for (const para of text.split(/\n\s*\n/)) {
    const field = (name: string) => {
      const m = new RegExp(`^${name}:[ \\t]*(.*)$`, 'mi').exec(para.replace(/^#.*$/gm, ''));
      return m ? m[1]!.trim().split(/\s+/).filter(Boolean) : [];
    };
    if (!field('Types').includes('deb')) continue;
    if (field('Enabled')[0] === 'no') continue;
    for (const uri of field('URIs')) for (const suite of field('Suites')) out.push({ uri, suite, components: field('Components') });
  }
  return out;
}

/** The host's apt sources for one Debian suite (`bookworm`, `bookworm-updates`, `bookworm-security`). */
export async function hostSources(suite: string, etc = '/etc/apt'): Promise<AptSource[]> {
  const all: AptSource[] = [];
  const main = join(etc, 'sources.list');
  all.push(...parseListFile(await readFile(main, 'utf8').catch(() => '')));
  const dir = join(etc, 'sources.list.d');
  for (const f of await readdir(dir).catch(() => [] as string[])) {
    const text = await readFile(join(dir, f), 'utf8').catch(() => '');
    if (f.endsWith('.list')) all.push(...parseListFile(text));
    if (f.endsWith('.sources')) all.push(...parseSourcesFile(text));
  }
  const mine = all.filter((s) => s.suite === suite || s.suite.startsWith(`${suite}-`) || s.suite.startsWith(`${suite}/`));
  if (!mine.some((s) => s.suite === suite)) {
    throw new UserError(`no apt source for Debian \`${suite}\` in ${etc}/sources.list(.d): the image is built from this machine's mirror; add one`);
  }
  return mine;
}

export const toMmdebstrapArg = (s: AptSource) => `deb ${s.uri} ${s.suite} ${s.components.join(' ') || 'main'}`;
