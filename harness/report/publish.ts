import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadRun } from './command.ts';
import { renderSupportDoc } from './markdown.ts';
import { renderHtml } from './html.ts';
import { readConsoles } from './write.ts';

/**
 * `lsm-matrix publish <run-dir> [--to results]`: the run's run.json and
 * matrix.html go to <to>/published/, and <to>/SUPPORT.md is rendered from
 * that copied run.json, so anyone can regenerate it byte for byte.
 */
export async function publish(runDir: string, to: string, print: (s: string) => void): Promise<number> {
  const run = await loadRun(runDir);
  const pub = join(to, 'published');
  await mkdir(pub, { recursive: true });
  await copyFile(join(runDir, 'run.json'), join(pub, 'run.json'));
  await writeFile(join(pub, 'matrix.html'), renderHtml(run, await readConsoles(runDir, run)));
  await writeFile(join(to, 'SUPPORT.md'), renderSupportDoc(await loadRun(pub)));
  print(`wrote ${join(to, 'SUPPORT.md')}, ${join(pub, 'run.json')}, ${join(pub, 'matrix.html')}\n`);
  return 0;
}
