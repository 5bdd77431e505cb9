/**
 * Pure: KernelCI's KCIDB v5 shape. One checkout per kernel, one build per
 * (kernel, stack), one test per scenario test plus a `boot` test per build.
 * Ids are `<origin>:<unique>`; no null values anywhere.
 */
import { createHash } from 'node:crypto';
import type { RunResult, Verdict } from '../results.ts';
import { testPath } from './ids.ts';

export const ORIGIN = 'lsm_matrix';
export type KcidbStatus = 'FAIL' | 'ERROR' | 'MISS' | 'PASS' | 'DONE' | 'SKIP';

const STATUS: Record<Verdict, KcidbStatus> = { pass: 'PASS', fail: 'FAIL', error: 'ERROR', skip: 'SKIP', 'confirmed-limitation': 'PASS' };
const short = (s: string) => createHash('sha256').update(s).digest('hex').slice(0, 16);

export function renderKcidb(run: RunResult) {
  const checkouts = new Map<string, { id: string; origin: string; comment: string }>();
  const builds: { checkout_id: string; id: string; origin: string; architecture: string; config_name: string; comment: string }[] = [];
  const tests: { build_id: string; id: string; origin: string; path: string; status: KcidbStatus; comment?: string; duration?: number; start_time?: string }[] = [];
  for (const c of run.cells) {
    const source = c.kernel.source ?? c.kernel.name;
    const checkoutId = `${ORIGIN}:${short(source)}`;
    checkouts.set(checkoutId, { id: checkoutId, origin: ORIGIN, comment: source });
    const buildId = `${ORIGIN}:${run.runId}-${short(c.id)}`;
    builds.push({ checkout_id: checkoutId, id: buildId, origin: ORIGIN, architecture: 'x86_64', config_name: c.stack.parameter || 'default', comment: `${c.kernel.name} ${c.kernel.release ?? ''} ${c.stack.parameter || '(default stack)'}`.trim() });
    tests.push({
      build_id: buildId, id: `${buildId}-boot`, origin: ORIGIN, path: 'boot', status: c.status === 'ok' ? 'PASS' : 'ERROR',
      ...(c.bootSeconds !== undefined ? { duration: c.bootSeconds } : {}),
      ...(c.error ? { comment: c.error.message.slice(0, 500) } : c.stack.missing?.length ? { comment: `not active: ${c.stack.missing.join(',')}` } : {}),
    });
    for (const t of c.tests) {
      tests.push({
        build_id: buildId, id: `${buildId}-${short(t.id)}`, origin: ORIGIN, path: testPath(t.scenario, t.name),
        status: STATUS[t.verdict], duration: t.durationSeconds,
        ...(t.reason ? { comment: `${t.verdict === 'confirmed-limitation' ? 'confirmed limitation: ' : ''}${t.reason}`.slice(0, 500) } : {}),
      });
    }
  }
  return { version: { major: 5, minor: 0 }, checkouts: [...checkouts.values()], builds, tests };
}
