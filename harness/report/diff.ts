/** Pure: what changed between an older run and a newer one, verdict by verdict. */
import type { RunResult, Verdict } from '../results.ts';

export interface Change {
  cell: string;
  test: string;
  was: string;
  now: string;
}

export interface RunDiff {
  regressions: Change[];
  fixes: Change[];
  changed: Change[];
  newCells: string[];
  vanishedCells: string[];
}

const GOOD = new Set<string>(['pass', 'confirmed-limitation', 'ok']);
const BAD = new Set<string>(['fail', 'error']);

function verdicts(run: RunResult): Map<string, Map<string, string>> {
  const m = new Map<string, Map<string, string>>();
  for (const c of run.cells) {
    const t = new Map<string, string>([['(boot)', c.status === 'ok' ? 'ok' : c.status]]);
    for (const x of c.tests) t.set(x.id, x.verdict as Verdict);
    m.set(c.id, t);
  }
  return m;
}

export function diffRuns(older: RunResult, newer: RunResult): RunDiff {
  const a = verdicts(older);
  const b = verdicts(newer);
  const d: RunDiff = { regressions: [], fixes: [], changed: [], newCells: [], vanishedCells: [] };
  for (const [cell, tests] of b) {
    const before = a.get(cell);
    if (!before) { d.newCells.push(cell); continue; }
    for (const [test, now] of tests) {
      const was = before.get(test);
      if (was === undefined || was === now) continue;
      const ch = { cell, test, was, now };
      if (GOOD.has(was) && BAD.has(now)) d.regressions.push(ch);
      else if (BAD.has(was) && GOOD.has(now)) d.fixes.push(ch);
      else d.changed.push(ch);
    }
  }
  for (const cell of a.keys()) if (!b.has(cell)) d.vanishedCells.push(cell);
  return d;
}

export function renderDiff(d: RunDiff): string {
  const lines: string[] = [];
  const list = (title: string, xs: Change[]) => {
    if (!xs.length) return;
    lines.push(`${title} (${xs.length}):`);
    for (const x of xs) lines.push(`  ${x.cell} :: ${x.test}: ${x.was} → ${x.now}`);
  };
  list('REGRESSIONS', d.regressions);
  list('fixes', d.fixes);
  list('other changes', d.changed);
  if (d.newCells.length) lines.push(`new cells: ${d.newCells.join('; ')}`);
  if (d.vanishedCells.length) lines.push(`vanished cells: ${d.vanishedCells.join('; ')}`);
  return lines.length ? `${lines.join('\n')}\n` : 'no changes\n';
}
