import { expect, test } from 'vitest';
import { summary } from '../../harness/run.ts';
import type { CellResult } from '../../harness/results.ts';
import { etaSeconds, historyKey, slowestFirst } from '../../harness/progress.ts';

test('cells run slowest first by their last duration; never-timed cells first, config order among equals', () => {
  const last: Record<string, number> = { a: 60, b: 900, d: 60 };
  expect(slowestFirst(['a', 'b', 'c', 'd'], (x) => last[x])).toEqual(['c', 'b', 'a', 'd']);
});

test('the ETA spreads what is left over the jobs', () => {
  expect(etaSeconds([600, 300, 300], 2)).toBe(600);
  expect(etaSeconds([], 2)).toBe(0);
  expect(etaSeconds([100], 0)).toBe(100);
});

test('a cell is timed per set of scenarios', () => {
  expect(historyKey('debian-6.12 apparmor', ['docker/**', 'apparmor/**'])).toBe('debian-6.12 apparmor :: apparmor/**,docker/**');
  expect(historyKey('debian-6.12 apparmor', [])).toBe('debian-6.12 apparmor :: (probe only)');
});

test('a finished cell\'s line gives its whole time and, apart, how it started', () => {
  const cell = {
    id: 'debian-6.12 apparmor', kernel: { spec: 'debian-6.12' }, stack: { id: 'apparmor', requested: ['apparmor'], active: ['capability', 'apparmor'], missing: [] },
    status: 'ok', bootSeconds: 3.46, startedFrom: 'snapshot', wallSeconds: 432, tests: [{ verdict: 'pass' }, { verdict: 'pass' }, { verdict: 'skip' }],
  } as unknown as CellResult;
  expect(summary(cell)).toBe('ok in 7.2 min (restored in 3.5 s), active capability,apparmor; tests: 2 pass, 1 skip');
  expect(summary({ ...cell, startedFrom: 'boot', bootSeconds: 30.2, wallSeconds: 41.04 })).toMatch(/^ok in 41\.0 s \(booted in 30\.2 s\),/);
});
