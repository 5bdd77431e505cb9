import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic, type RunResult } from '../results.ts';
import { lastLines } from '../vm/console.ts';
import { triage } from './triage.ts';
import { reproduceCommand } from './reproduce.ts';
import { renderMarkdown } from './markdown.ts';
import { renderHtml } from './html.ts';
import { renderJunit } from './junit.ts';
import { renderKcidb } from './kcidb.ts';

/** Name the likely cause and the reproduce command of every fail/error (kept in run.json). */
export function annotate(run: RunResult): RunResult {
  for (const c of run.cells) {
    for (const t of c.tests) {
      if (t.verdict !== 'fail' && t.verdict !== 'error') continue;
      t.triage = triage(t, c);
      t.reproduce = reproduceCommand(c, t);
    }
  }
  return run;
}

export const REPORT_FILES = ['matrix.md', 'matrix.html', 'junit.xml', 'kcidb.json'] as const;

/** The last lines of each cell's console log (bounded), for the HTML report. */
export async function readConsoles(dir: string, run: RunResult): Promise<Record<string, string[]>> {
  const consoles: Record<string, string[]> = {};
  for (const c of run.cells) {
    if (!c.consoleLog) continue;
    const text = await readFile(join(dir, c.consoleLog), 'latin1').catch(() => '');
    consoles[c.id] = lastLines(text, 60).map((l) => l.slice(0, 400));
  }
  return consoles;
}

/** Every report of a run, from its run.json and the cells' console logs. */
export async function writeReports(dir: string, run: RunResult): Promise<string[]> {
  const consoles = await readConsoles(dir, run);
  await writeFileAtomic(join(dir, 'matrix.md'), renderMarkdown(run));
  await writeFileAtomic(join(dir, 'matrix.html'), renderHtml(run, consoles));
  await writeFileAtomic(join(dir, 'junit.xml'), renderJunit(run));
  await writeFileAtomic(join(dir, 'kcidb.json'), `${JSON.stringify(renderKcidb(run), null, 2)}\n`);
  return REPORT_FILES.map((f) => join(dir, f));
}
