import type { Verdict } from '../results.ts';

/** What the runner knows about one test once it has run (or not). */
export interface TestOutcome {
  state: 'pass' | 'fail' | 'skip' | 'todo' | 'run' | 'queued' | 'only' | undefined;
  errors: { name?: string; message?: string }[];
  /** ctx.skip(note) */
  note?: string;
  /** ctx.limitation(reason) was called. */
  limitation?: string;
  /** The file's requirements were not met. */
  unmet?: string;
  /** The guest could not be restored before this test's file: it never ran. */
  cellBroken?: string;
  /** A beforeAll/afterAll of an enclosing suite failed. */
  hookError?: { name?: string; message?: string };
}

const isAssertion = (e?: { name?: string }) => e?.name === 'AssertionError';

/**
 * Pure: the verdict of a test. Only an assertion about what the guest did
 * is a `fail`; anything else that went wrong (SSH lost, a timeout, a
 * scenario's own bug) is `error`, so a broken harness never looks like a
 * broken kernel.
 */
export function verdictOf(o: TestOutcome): { verdict: Verdict; reason?: string } {
  if (o.unmet) return { verdict: 'skip', reason: o.unmet };
  if (o.cellBroken) return { verdict: 'error', reason: o.cellBroken };
  if (o.state === 'fail') {
    const e = o.errors[0];
    if (isAssertion(e)) return { verdict: 'fail', reason: e?.message ?? 'assertion failed' };
    return { verdict: 'error', reason: `${e?.name && e.name !== 'Error' ? `${e.name}: ` : ''}${e?.message ?? 'unknown error'}` };
  }
  if (o.hookError && o.state !== 'pass') {
    const e = o.hookError;
    if (isAssertion(e)) return { verdict: 'fail', reason: `setup failed: ${e.message}` };
    return { verdict: 'error', reason: `setup failed: ${e.message ?? 'unknown error'}` };
  }
  if (o.state === 'pass') return o.limitation ? { verdict: 'confirmed-limitation', reason: o.limitation } : { verdict: 'pass' };
  if (o.state === 'skip' || o.state === 'todo' || (o.state === undefined && o.note)) return { verdict: 'skip', reason: o.note ?? 'skipped by the scenario' };
  return { verdict: 'error', reason: 'test did not run (the cell broke before it)' };
}
