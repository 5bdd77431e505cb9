import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { UserError, messageOf } from '../errors.ts';
import type { RunResult } from '../results.ts';
import { writeReports } from './write.ts';
import { diffRuns, renderDiff } from './diff.ts';

export async function loadRun(dir: string): Promise<RunResult> {
  const path = join(dir, 'run.json');
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    throw new UserError(`\`${dir}\` is not a run directory: no run.json in it`);
  }
  try {
    const run = JSON.parse(text) as RunResult;
    if (run.schema !== 'lsm-matrix/run@1') throw new Error(`schema is ${JSON.stringify(run.schema)}, expected "lsm-matrix/run@1"`);
    return run;
  } catch (e) {
    throw new UserError(`${path} cannot be read: ${messageOf(e)}`);
  }
}

/** `lsm-matrix report <dir> [--against <older>]` */
export async function report(dir: string, against: string | undefined, print: (s: string) => void): Promise<number> {
  const run = await loadRun(dir);
  const files = await writeReports(dir, run);
  print(`wrote ${files.join(', ')}\n`);
  if (!against) return 0;
  const d = diffRuns(await loadRun(against), run);
  print(renderDiff(d));
  return d.regressions.length ? 1 : 0;
}
