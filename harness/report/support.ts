/**
 * Pure: the guide's support table (Docker / LXD / snappy / flatpak × the
 * five host/container situations), one column per kernel, filled from the
 * verdicts of the scenarios that declare a place in it.
 */
import type { CellResult, RunResult, TestResult } from '../results.ts';
import { exclusiveWinner } from '../stack.ts';

export const TECHNOLOGIES = ['Docker', 'LXD', 'snappy', 'flatpak'] as const;
export const SITUATIONS = [
  'apparmor host, apparmor container',
  'apparmor host, smack container',
  'smack host, apparmor container',
  'smack & apparmor host, apparmor container',
  'smack & apparmor host, smack container',
] as const;

export type Mark = 'works' | 'fails' | 'error' | 'limitation' | 'untestable' | 'none';

export interface SupportEntry {
  mark: Mark;
  /** A few words: which stacks it works on, the cause of a failure, why it cannot be tested. */
  words: string;
  /** The cells that contributed. */
  cells: string[];
}

export const SYMBOL: Record<Mark, string> = {
  works: '✅', fails: '❌', error: '⚠️', limitation: '⛔', untestable: '➖', none: '❔',
};

/** The LSMs a situation needs active in the kernel: the host's and the container's. */
export function hostNeeds(situation: string): string[] {
  return ['smack', 'apparmor'].filter((l) => situation.includes(l));
}

export function supportEntry(run: RunResult, kernel: string, technology: string, situation: string): SupportEntry {
  const rows: { cell: CellResult; test: TestResult }[] = [];
  const kernelCells = run.cells.filter((c) => c.kernel.name === kernel);
  // Only cells whose active stack is the situation's host count: flatpak on a
  // SELinux-first cell says nothing about an AppArmor host.
  for (const cell of kernelCells) {
    for (const test of cell.tests) {
      if (test.support?.technology !== technology || test.support.situation !== situation) continue;
      if ((test.support.needs ?? hostNeeds(situation)).every((l) => cell.stack.active?.includes(l))) rows.push({ cell, test });
    }
  }
  const cellsOf = (rs: typeof rows) => [...new Set(rs.map((r) => r.cell.id))];
  if (rows.length === 0) {
    const needs = hostNeeds(situation);
    const fit = kernelCells.filter((c) => needs.every((l) => c.stack.active?.includes(l)));
    if (kernelCells.length && fit.length === 0) {
      // A cell that asked for every LSM the situation needs and lost one to an
      // earlier exclusive LSM shows the situation cannot exist on this kernel.
      const lost = kernelCells
        .filter((c) => needs.every((l) => c.stack.requested.includes(l)))
        .map((c) => ({ c, lsm: needs.find((l) => !c.stack.active?.includes(l))! }))
        .map(({ c, lsm }) => ({ c, lsm, winner: exclusiveWinner(c.stack.requested, c.stack.active ?? [], lsm) }))
        .filter((x) => x.winner);
      if (lost.length) {
        const x = lost[0]!;
        return { mark: 'limitation', words: `not possible: confirmed — ${x.c.stack.id} left ${x.lsm} inactive, the first exclusive LSM (${x.winner}) wins on this kernel`, cells: lost.map((l) => l.c.id) };
      }
      const why = needs.includes('smack') && kernelCells.every((c) => !c.stack.active?.includes('smack')) ? 'no cell has Smack active (kernel without Smack?)' : `no cell with ${needs.join('+')} active`;
      return { mark: 'untestable', words: `not testable here: ${why}`, cells: [] };
    }
    return { mark: 'none', words: 'no scenario ran', cells: [] };
  }
  const by = (v: string) => rows.filter((r) => r.test.verdict === v);
  const stacksOf = (rs: typeof rows) => [...new Set(rs.map((r) => r.cell.stack.id))].join(', ');
  if (by('fail').length) {
    const f = by('fail')[0]!;
    return { mark: 'fails', words: `fails: ${f.test.triage?.cause && f.test.triage.cause !== 'unknown' ? f.test.triage.cause : f.test.reason ?? 'assertion failed'} (${f.cell.stack.id})`, cells: cellsOf(by('fail')) };
  }
  if (by('error').length) {
    const e = by('error')[0]!;
    return { mark: 'error', words: `could not be checked: ${e.test.reason ?? 'error'} (${e.cell.stack.id})`, cells: cellsOf(by('error')) };
  }
  if (by('confirmed-limitation').length) {
    const l = by('confirmed-limitation')[0]!;
    return { mark: 'limitation', words: `not possible: confirmed — ${l.test.reason}`, cells: cellsOf(by('confirmed-limitation')) };
  }
  if (by('pass').length) return { mark: 'works', words: `works (${stacksOf(by('pass'))})`, cells: cellsOf(by('pass')) };
  const s = by('skip')[0]!;
  return { mark: 'untestable', words: `not testable here: ${s.test.reason}`, cells: cellsOf(by('skip')) };
}
