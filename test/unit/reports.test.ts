import { describe, expect, test } from 'vitest';
import { readFile } from 'node:fs/promises';
import { supportEntry } from '../../harness/report/support.ts';
import { renderMarkdown } from '../../harness/report/markdown.ts';
import { renderJunit } from '../../harness/report/junit.ts';
import { renderKcidb } from '../../harness/report/kcidb.ts';
import { renderHtml, scriptJson } from '../../harness/report/html.ts';
import { diffRuns } from '../../harness/report/diff.ts';
import { triage } from '../../harness/report/triage.ts';
import { schemaErrors } from '../schema.ts';

import { sampleRun } from '../fixtures/sample-run.ts';
import type { RunResult } from '../../harness/results.ts';

describe('run.json schema', () => {
  test('a complete run validates', () => {
    expect(schemaErrors(sampleRun())).toEqual([]);
  });
  test('violations are caught: a fail without a reason, an unknown verdict, a null', () => {
    const r = sampleRun();
    delete r.cells[0]!.tests[1]!.reason;
    (r.cells[0]!.tests[0] as any).verdict = 'ok';
    (r.host as any).cores = null;
    const errs = schemaErrors(r).join('\n');
    expect(errs).toMatch(/reason/);
    expect(errs).toMatch(/verdict/);
    expect(errs).toMatch(/cores/);
  });
  test('every committed run validates', async () => {
    const { readdir } = await import('node:fs/promises');
    for (const f of await readdir('results/published').catch(() => [] as string[])) {
      if (!f.endsWith('.json') || !f.startsWith('run')) continue;
      expect(schemaErrors(JSON.parse(await readFile(`results/published/${f}`, 'utf8'))), f).toEqual([]);
    }
  });
});

describe('triage', () => {
  test('names the guide\'s cause with the evidence line', () => {
    const r = sampleRun();
    expect(r.cells[0]!.tests[1]!.triage).toEqual({ cause: 'namespace not created (transition target missing)', evidence: 'aa-exec: ERROR: profile does not exist' });
    expect(r.cells[0]!.tests[1]!.reproduce).toBe("npx lsm-matrix run --kernel debian-6.12 --stack apparmor --scenario docker/apparmor-host-apparmor-container --test namespace --shell-on-fail");
  });
  test('a lost stack is named from the cell\'s facts', () => {
    const r = sampleRun();
    const c = r.cells[1]!;
    expect(triage({ ...c.tests[0]!, verdict: 'fail', reason: 'x', evidence: { commands: [], denials: [] } }, c).cause).toMatch(/exclusive LSM lost the stack/);
  });
  test('nnp, policy interface, authority, exec denial, unknown', () => {
    const c = sampleRun().cells[0]!;
    const with_ = (stderr: string, denials: string[] = []) => triage({ ...c.tests[0]!, verdict: 'fail', reason: 'x', evidence: { commands: [{ command: 'c', exitCode: 1, stdout: '', stderr }], denials } }, c).cause;
    expect(with_('', ['apparmor="DENIED" operation="exec" info="no new privs" name="/bin/true"'])).toMatch(/no-new-privs/);
    expect(with_('mkdir: cannot create directory \'/sys/kernel/security/apparmor/policy/namespaces/x\': No such file or directory')).toMatch(/policy interface not mounted/);
    expect(with_('apparmor_parser: Access denied. You need policy admin privileges to manage profiles.')).toMatch(/no authority/);
    expect(with_('', ['apparmor="DENIED" operation="file_mmap" name="/lib/x.so"'])).toMatch(/exec\/mmap denial/);
    expect(with_('something else')).toBe('unknown');
  });
});

describe('matrix.md', () => {
  const md = renderMarkdown(sampleRun());
  test('the guide\'s rows, a column per kernel, symbols and words', () => {
    expect(md).toMatch(/\| technology \| situation \| debian-6.12 \(6\.12\.117\+deb12-amd64\) \| debian-6.1 \|/);
    expect(md).toMatch(/\| Docker \| apparmor host, apparmor container \| ❌ fails: namespace not created/);
    expect(md).toMatch(/\| Docker \| apparmor host, smack container \| ➖ not testable here: no cell has Smack active/);
    for (const tech of ['Docker', 'LXD', 'snappy', 'flatpak']) expect(md.match(new RegExp(`^\\| ${tech} \\|`, 'gm'))).toHaveLength(5);
  });
  test('LSM facts per cell, with what did not become active', () => {
    expect(md).toMatch(/`lsm=selinux,apparmor` \| selinux,apparmor \| lockdown,capability,selinux \| apparmor \|/);
    expect(md).toMatch(/debian-6.1.*error: SSH not ready/);
  });
  test('guest output cannot inject markup', () => {
    expect(md).not.toContain('<script>');
  });
});

describe('junit.xml', () => {
  const xml = renderJunit(sampleRun());
  test('a testsuite per cell with failures, errors and skips counted', () => {
    expect(xml.match(/<testsuite /g)).toHaveLength(3);
    expect(xml).toMatch(/<testsuite name="debian-6.12 apparmor" tests="3" failures="1" errors="0" skipped="0">/);
    expect(xml).toMatch(/<testsuite name="debian-6.1 apparmor" tests="1" failures="0" errors="1" skipped="0">/);
    expect(xml).toMatch(/<skipped message="AppArmor not active/);
    expect(xml).not.toMatch(/[\x00-\x08\x0b\x0c\x0e-\x1f]/);
  });
});

describe('kcidb.json', () => {
  const k = renderKcidb(sampleRun());
  const noNulls = (v: unknown): boolean => v !== null && (typeof v !== 'object' || Object.values(v as object).every(noNulls));
  test('v5 shape: version, checkouts, builds per kernel and stack, tests with dotted paths', () => {
    expect(k.version.major).toBe(5);
    expect(k.builds).toHaveLength(3);
    for (const x of [...k.checkouts, ...k.builds, ...k.tests]) {
      expect(x.origin).toBe('lsm_matrix');
      expect(x.id).toMatch(/^lsm_matrix:[^:]+$/);
    }
    for (const b of k.builds) expect(k.checkouts.map((c) => c.id)).toContain(b.checkout_id);
    for (const x of k.tests) {
      expect(k.builds.map((b) => b.id)).toContain(x.build_id);
      expect(x.path).toMatch(/^[a-z0-9_]+(\.[a-z0-9_]+)*$/);
      expect(['FAIL', 'ERROR', 'MISS', 'PASS', 'DONE', 'SKIP']).toContain(x.status);
    }
    expect(new Set(k.tests.map((x) => x.id)).size).toBe(k.tests.length);
    expect(k.tests.map((x) => x.path)).toContain('docker.apparmor_host_apparmor_container.default');
    expect(k.tests.find((x) => x.path === 'boot' && x.status === 'ERROR')).toBeTruthy();
    expect(noNulls(k)).toBe(true);
  });
});

describe('matrix.html', () => {
  const html = renderHtml(sampleRun(), { 'debian-6.12 apparmor': ['<img src=x onerror=alert(1)>', '\x1b[1mbold'] });
  test('self-contained and hostile output never appears as markup', () => {
    expect(html).not.toMatch(/<(link|img|iframe)[^>]*src=["']?https?:/);
    expect(html).not.toContain('<script>alert(1)</script>');
    expect(html).not.toContain('<img src=x');
    expect(html).toContain('\\u003cscript\\u003ealert(1)\\u003c/script\\u003e');
  });
  test('script JSON escapes everything that could close the element', () => {
    expect(scriptJson({ a: '</script><!--\u2028&' })).toBe('{"a":"\\u003c/script\\u003e\\u003c!--\\u2028\\u0026"}');
  });
});

describe('diff against an older run', () => {
  test('one changed verdict is exactly one regression', () => {
    const older = sampleRun();
    const newer = sampleRun();
    newer.cells[0]!.tests[0]!.verdict = 'fail';
    newer.cells.push({ ...newer.cells[1]!, id: 'debian-6.12 tomoyo,apparmor' });
    older.cells.push({ ...older.cells[1]!, id: 'debian-6.12 default' });
    const d = diffRuns(older, newer);
    expect(d.regressions).toEqual([{ cell: 'debian-6.12 apparmor', test: 'docker/apparmor-host-apparmor-container > default', was: 'pass', now: 'fail' }]);
    expect(d.fixes).toEqual([]);
    expect(d.newCells).toEqual(['debian-6.12 tomoyo,apparmor']);
    expect(d.vanishedCells).toEqual(['debian-6.12 default']);
  });
});

describe('the published support table', () => {
  test('results/SUPPORT.md is exactly what results/published/run.json renders to', async () => {
    const { existsSync } = await import('node:fs');
    if (!existsSync('results/published/run.json')) return expect(existsSync('results/SUPPORT.md')).toBe(false);
    const { renderSupportDoc } = await import('../../harness/report/markdown.ts');
    const run = JSON.parse(await readFile('results/published/run.json', 'utf8'));
    expect(renderSupportDoc(run)).toBe(await readFile('results/SUPPORT.md', 'utf8'));
  });
});

describe('merging shards', () => {
  test('shards merged equal the whole run, verdict for verdict', async () => {
    const { mergeRuns } = await import('../../harness/report/merge.ts');
    const { shardCells, parseShard } = await import('../../harness/matrix.ts');
    const whole = sampleRun();
    const asShard = (k: string) => {
      const keep = new Set(shardCells(whole.cells.map((c) => ({ id: c.id, kernel: c.kernel.name, stack: { id: c.stack.id, param: null, requested: [], cmdline: '' } })), parseShard(k)).map((c) => c.id));
      return { ...sampleRun(), cells: sampleRun().cells.filter((c) => keep.has(c.id)) };
    };
    const merged = mergeRuns([asShard('1/2'), asShard('2/2')]);
    const verdicts = (r: RunResult) => Object.fromEntries(r.cells.flatMap((c) => [[`${c.id} boot`, c.status], ...c.tests.map((t) => [`${c.id} ${t.id}`, t.verdict])]));
    expect(verdicts(merged)).toEqual(verdicts(whole));
    expect(schemaErrors(merged)).toEqual([]);
    expect(() => mergeRuns([whole, whole])).toThrow(/is in both/);
  });
});

describe('the support table on a kernel where both LSMs are built in', () => {
  const run = sampleRun();
  const smack = (stack: string, requested: string[], active: string[], tests: any[]) => ({
    ...run.cells[0]!, id: `debian-6.12+smack ${stack}`, kernel: { name: 'debian-6.12+smack', source: 'source:x', release: '6.12.117-lsmm' },
    stack: { id: stack, parameter: `lsm=${stack}`, requested, active, missing: requested.filter((r) => !active.includes(r)) }, tests,
  });
  const limitation = { id: 'smack/x > rule', scenario: 'smack/x', name: 'rule', verdict: 'confirmed-limitation' as const, reason: 'Smack has no policy namespace', durationSeconds: 1, support: { technology: 'Docker' as const, situation: 'apparmor host, smack container', needs: ['smack'] } };
  run.cells.push(smack('smack,apparmor', ['smack', 'apparmor'], ['capability', 'smack'], [limitation]) as any);
  run.cells.push(smack('apparmor,smack', ['apparmor', 'smack'], ['capability', 'apparmor'], []) as any);
  test('a situation needing both, when the first exclusive LSM always won, is a confirmed impossibility', () => {
    const e = supportEntry(run, 'debian-6.12+smack', 'Docker', 'smack host, apparmor container');
    expect(e.mark).toBe('limitation');
    expect(e.words).toBe('not possible: confirmed — smack,apparmor left apparmor inactive, the first exclusive LSM (smack) wins on this kernel');
  });
  test('a scenario that needs only Smack speaks for its row on a Smack-only cell', () => {
    const e = supportEntry(run, 'debian-6.12+smack', 'Docker', 'apparmor host, smack container');
    expect(e).toEqual({ mark: 'limitation', words: 'not possible: confirmed — Smack has no policy namespace', cells: ['debian-6.12+smack smack,apparmor'] });
  });
});
