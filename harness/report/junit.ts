/** Pure: junit.xml, one testsuite per cell, for CI systems. */
import type { RunResult } from '../results.ts';

const xml = (s: string) =>
  s.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`)
    .replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export function renderJunit(run: RunResult): string {
  const suites: string[] = [];
  let total = 0, failures = 0, errors = 0, skipped = 0;
  for (const c of run.cells) {
    const cases: string[] = [];
    let f = 0, e = 0, s = 0;
    const boot = c.status === 'error'
      ? `<error message="${xml(c.error?.message ?? 'cell error')}">${xml(c.error?.detail ?? '')}</error>`
      : '';
    if (c.status === 'error') e++;
    cases.push(`    <testcase classname="${xml(c.id)}" name="boot and probe" time="${c.bootSeconds ?? 0}">${boot}</testcase>`);
    for (const t of c.tests) {
      let body = '';
      if (t.verdict === 'fail') { f++; body = `<failure message="${xml(t.reason ?? '')}">${xml(t.triage ? `likely cause: ${t.triage.cause}\n${t.triage.evidence}\n${t.reproduce ?? ''}` : '')}</failure>`; }
      if (t.verdict === 'error') { e++; body = `<error message="${xml(t.reason ?? '')}">${xml(t.reproduce ?? '')}</error>`; }
      if (t.verdict === 'skip') { s++; body = `<skipped message="${xml(t.reason ?? '')}"/>`; }
      if (t.verdict === 'confirmed-limitation') body = `<system-out>${xml(`confirmed limitation: ${t.reason ?? ''}`)}</system-out>`;
      cases.push(`    <testcase classname="${xml(`${c.id}.${t.scenario}`)}" name="${xml(t.name)}" time="${t.durationSeconds}">${body}</testcase>`);
    }
    const n = c.tests.length + 1;
    total += n; failures += f; errors += e; skipped += s;
    suites.push(`  <testsuite name="${xml(c.id)}" tests="${n}" failures="${f}" errors="${e}" skipped="${s}">\n${cases.join('\n')}\n  </testsuite>`);
  }
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="lsm-matrix ${xml(run.runId)}" tests="${total}" failures="${failures}" errors="${errors}" skipped="${skipped}">\n${suites.join('\n')}\n</testsuites>\n`;
}
