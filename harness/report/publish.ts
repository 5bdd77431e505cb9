import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadRun } from './command.ts';
import { renderSupportDoc } from './markdown.ts';
import { renderHtml } from './html.ts';
import { lastLines } from '../vm/console.ts';

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
  const consoles: Record<string, string[]> = {};
  for (const c of run.cells) {
    if (c.consoleLog) consoles[c.id] = lastLines(await readFile(join(runDir, c.consoleLog), 'latin1').catch(() => ''), 60).map((l) => l.slice(0, 400));
  }
  await writeFile(join(pub, 'matrix.html'), renderHtml(run, consoles));
  await writeFile(join(to, 'SUPPORT.md'), renderSupportDoc(await loadRun(pub)));
  print(`wrote ${join(to, 'SUPPORT.md')}, ${join(pub, 'run.json')}, ${join(pub, 'matrix.html')}\n`);
  return 0;
}
