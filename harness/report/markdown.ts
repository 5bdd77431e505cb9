/** Pure: matrix.md — the guide's support table filled in, then the LSM facts of every cell. */
import type { RunResult } from '../results.ts';
import { SITUATIONS, SYMBOL, TECHNOLOGIES, supportEntry } from './support.ts';
import { cellAnchor } from './ids.ts';

const esc = (s: string) => s.replace(/\|/g, '\\|').replace(/[\r\n]+/g, ' ').replace(/[<>]/g, (c) => (c === '<' ? '&lt;' : '&gt;'));
const yes = (b: boolean | undefined) => (b === undefined ? '?' : b ? 'yes' : 'no');

export function renderMarkdown(run: RunResult, opts: { htmlName?: string } = {}): string {
  const html = opts.htmlName ?? 'matrix.html';
  const kernels = [...new Set(run.cells.map((c) => c.kernel.name))];
  const release = (k: string) => run.cells.find((c) => c.kernel.name === k && c.kernel.release)?.kernel.release;
  const out: string[] = [];
  out.push(`# LSM stacking and containers: support matrix`, '');
  out.push(`Run \`${run.runId}\` (${run.startedAt.slice(0, 10)}), lsm-matrix ${run.harness.version}, ${run.host.accel ?? '?'} on ${run.host.cores} cores. Every entry is what a real guest showed.`, '');
  out.push(`Legend: ${SYMBOL.works} works · ${SYMBOL.fails} fails (likely cause) · ${SYMBOL.limitation} not possible, confirmed · ${SYMBOL.error} could not be checked · ${SYMBOL.untestable} not testable here (why) · ${SYMBOL.none} no scenario yet`, '');
  out.push(`| technology | situation | ${kernels.map((k) => `${k}${release(k) ? ` (${release(k)})` : ''}`).join(' | ')} |`);
  out.push(`| --- | --- | ${kernels.map(() => '---').join(' | ')} |`);
  for (const tech of TECHNOLOGIES) {
    for (const sit of SITUATIONS) {
      const cols = kernels.map((k) => {
        const e = supportEntry(run, k, tech, sit);
        const link = e.cells[0] ? ` [details](${html}#${cellAnchor(e.cells[0])})` : '';
        return `${SYMBOL[e.mark]} ${esc(e.words)}${link}`;
      });
      out.push(`| ${tech} | ${sit} | ${cols.join(' | ')} |`);
    }
  }
  out.push('', '## LSM facts per cell', '');
  out.push('| kernel | stack parameter | requested | active | missing | display LSM | LSM syscalls | AppArmor policy ns | AppArmor stacking | boot s | verdicts |');
  out.push('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const c of run.cells) {
    const counts = new Map<string, number>();
    for (const t of c.tests) counts.set(t.verdict, (counts.get(t.verdict) ?? 0) + 1);
    const verdicts = c.status === 'error' ? `error: ${esc(c.error?.message ?? '')}` : [...counts].map(([v, n]) => `${n} ${v}`).join(', ') || 'probe only';
    out.push(`| [${esc(c.kernel.name)}](${html}#${cellAnchor(c.id)}) ${esc(c.kernel.release ?? '')} | \`${esc(c.stack.parameter || '(none)')}\` | ${esc(c.stack.requested.join(',') || 'default')} | ${esc(c.stack.active?.join(',') ?? '?')} | ${esc(c.stack.missing?.join(',') || '—')} | ${yes(c.probe?.attr.display)} | ${yes(c.probe?.lsmSyscalls)} | ${yes(c.probe?.apparmor.policyNamespaces)} | ${yes(c.probe?.apparmor.stacking)} | ${c.bootSeconds?.toFixed(1) ?? '—'} | ${verdicts} |`);
  }
  const failures = run.cells.flatMap((c) => c.tests.filter((t) => t.verdict === 'fail' || t.verdict === 'error').map((t) => ({ c, t })));
  if (failures.length) {
    out.push('', '## Failures', '');
    for (const { c, t } of failures) {
      out.push(`- **${esc(c.id)}** \`${esc(t.id)}\`: ${t.verdict}${t.triage ? ` — likely cause: ${esc(t.triage.cause)} (\`${esc(t.triage.evidence.slice(0, 160))}\`)` : ''}`);
      if (t.reproduce) out.push(`  reproduce: \`${t.reproduce}\``);
    }
  }
  return `${out.join('\n')}\n`;
}
