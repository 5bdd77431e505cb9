import { expect, test } from 'vitest';
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
