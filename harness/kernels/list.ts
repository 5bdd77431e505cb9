import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { catalogue } from '../../kernels/catalogue.ts';
import { cacheRoot } from '../cache.ts';

export async function listKernels(): Promise<string> {
  const lines = ['Catalogue:'];
  for (const [name, e] of Object.entries(catalogue)) lines.push(`  ${name.padEnd(20)} ${e.description}${e.stacks ? `\n  ${''.padEnd(20)} stacks: ${e.stacks.join(' | ')}` : ''}`);
  lines.push('', `Cached (${join(cacheRoot(), 'kernels')}):`);
  const dir = join(cacheRoot(), 'kernels');
  const entries = (await readdir(dir).catch(() => [] as string[])).filter((d) => !/\.tmp-|\.lock$/.test(d) && !['downloads', 'logs', 'source-index'].includes(d));
  if (entries.length === 0) lines.push('  (none)');
  for (const d of entries.sort()) {
    const files = await readFile(join(dir, d, 'files.json'), 'utf8').then(JSON.parse).catch(() => undefined);
    lines.push(`  ${d}${files ? `  (release ${files.version}${files.modulesRoot ? ', modules' : ''})` : '  (incomplete)'}`);
  }
  return `${lines.join('\n')}\n`;
}
