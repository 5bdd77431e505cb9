import { cp, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { UserError } from '../errors.ts';
import { writeJsonAtomic, type RunResult } from '../results.ts';
import { loadRun } from './command.ts';
import { writeReports } from './write.ts';
import { newRunId } from '../run.ts';

/** Pure: shard runs → one run, cells in the order given, no cell twice. */
export function mergeRuns(runs: RunResult[], runId = newRunId()): RunResult {
  if (runs.length === 0) throw new UserError('merge: give at least one run directory');
  const seen = new Map<string, string>();
  const cells = [];
  for (const r of runs) {
    for (const c of r.cells) {
      const prev = seen.get(c.id);
      if (prev) throw new UserError(`merge: cell \`${c.id}\` is in both ${prev} and ${r.runId}: were the shards of different matrices?`);
      seen.set(c.id, r.runId);
      cells.push(c);
    }
  }
  const starts = runs.map((r) => r.startedAt).sort();
  const ends = runs.map((r) => r.finishedAt ?? r.startedAt).sort();
  return {
    schema: 'lsm-matrix/run@1',
    runId,
    // Complete when every cell it holds finished: shards cut from an
    // interrupted run still contribute their finished cells.
    status: cells.every((c) => c.status !== 'pending') ? 'complete' : 'interrupted',
    startedAt: starts[0]!,
    finishedAt: ends.at(-1)!,
    harness: runs[0]!.harness,
    host: runs[0]!.host,
    cells,
    mergedFrom: runs.flatMap((r) => r.mergedFrom ?? [r.runId]),
  };
}

/** `lsm-matrix merge <run-dir>... --out <dir>` */
export async function merge(dirs: string[], out: string, print: (s: string) => void): Promise<number> {
  const runs = await Promise.all(dirs.map(loadRun));
  const merged = mergeRuns(runs);
  await mkdir(out, { recursive: true });
  for (const d of dirs) await cp(join(d, 'cells'), join(out, 'cells'), { recursive: true, force: false, errorOnExist: false }).catch(() => undefined);
  await writeJsonAtomic(join(out, 'run.json'), merged);
  const files = await writeReports(out, merged);
  print(`merged ${runs.length} run(s), ${merged.cells.length} cell(s) → ${join(out, 'run.json')}, ${files.length} reports\n`);
  return 0;
}
