/**
 * Pure: the likely cause of a `fail` or `error`, named from the guide's
 * "Failures and Issues" list, with the line of evidence that shows it.
 */
import type { CellResult, TestResult } from '../results.ts';

export interface Triage {
  cause: string;
  evidence: string;
}

interface Rule {
  cause: string;
  /** A line of the test's output, denials or reason that shows the cause. */
  line?: RegExp;
  /** A fact of the cell that shows it (checked when no line matched). */
  fact?: (c: CellResult) => string | undefined;
}

const RULES: Rule[] = [
  { cause: 'exclusive LSM lost the stack (first exclusive LSM wins)', fact: (c) => (c.stack.missing?.length ? `requested ${c.stack.requested.join(',')}, active ${c.stack.active?.join(',')}` : undefined) },
  { cause: 'AppArmor not enabled', line: /apparmor module is not loaded|^No - |AppArmor not (enabled|active)|parameters\/enabled.*N\b/m, fact: (c) => (c.probe && !c.probe.apparmor.aaEnabled ? `aa-enabled: ${c.probe.apparmor.aaEnabledOutput}` : undefined) },
  { cause: 'policy interface not mounted', line: /(\/sys\/kernel\/security\/apparmor|apparmorfs|securityfs)[^\n]*(No such file|not mounted|not found)|Unable to (open|find) .*(\.load|\.replace|interface)/m, fact: (c) => (c.probe && !c.probe.apparmor.securityfsMounted ? 'securityfs is not mounted' : undefined) },
  { cause: 'no authority to manage policy', line: /Access denied\. You need policy admin privileges|(policy\/namespaces|\.load|\.replace)[^\n]*(Permission denied|Operation not permitted)/m },
  { cause: 'no-new-privs blocked the transition', line: /info="no new privs"|no_new_privs|NoNewPrivs:\s*1/m },
  { cause: 'namespace not created (transition target missing)', line: /profile (does not exist|not found)|aa-exec: ERROR: .*:[A-Za-z0-9_]+:.*(No such file|not found)|Can't transition to policy namespace/m },
  { cause: 'display LSM missing (/proc/self/attr/display)', line: /attr\/display[^\n]*(No such file|Invalid argument)|--setlsm/m, fact: (c) => (c.probe && !c.probe.attr.display && /smack/.test(c.stack.id) ? 'no /proc/self/attr/display on this kernel' : undefined) },
  { cause: 'exec/mmap denial', line: /apparmor="DENIED" operation="(exec|file_mmap)"[^\n]*/m },
];

export function triage(test: TestResult, cell: CellResult): Triage {
  const texts = [
    test.reason ?? '',
    ...(test.evidence?.denials ?? []),
    ...(test.evidence?.commands ?? []).flatMap((c) => [c.stderr, c.stdout]),
  ].join('\n');
  for (const r of RULES) {
    const m = r.line?.exec(texts);
    if (m) return { cause: r.cause, evidence: lineAround(texts, m.index) };
  }
  for (const r of RULES) {
    const f = r.fact?.(cell);
    if (f) return { cause: r.cause, evidence: f };
  }
  const first = (test.evidence?.denials ?? [])[0] ?? test.reason ?? '';
  return { cause: 'unknown', evidence: first.slice(0, 300) };
}

function lineAround(text: string, index: number): string {
  const start = text.lastIndexOf('\n', index) + 1;
  const end = text.indexOf('\n', index);
  return text.slice(start, end < 0 ? undefined : end).trim().slice(0, 300);
}
