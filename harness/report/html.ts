/**
 * Pure: matrix.html, one self-contained page (no network). The data goes in
 * as JSON inside a <script type="application/json"> with every `<`, `>` and
 * `&` escaped, and the page builds itself with textContent only: guest
 * output is shown as text, never parsed as HTML.
 */
import type { RunResult } from '../results.ts';
import { SITUATIONS, SYMBOL, TECHNOLOGIES, supportEntry } from './support.ts';
import { cellAnchor } from './ids.ts';
import { reproduceCommand } from './reproduce.ts';

/** JSON safe to put inside a <script> element. */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

export function renderHtml(run: RunResult, consoles: Record<string, string[]> = {}): string {
  const kernels = [...new Set(run.cells.map((c) => c.kernel.name))];
  const support = TECHNOLOGIES.flatMap((technology) => SITUATIONS.map((situation) => ({
    technology, situation,
    entries: kernels.map((k) => ({ kernel: k, ...supportEntry(run, k, technology, situation) })),
  })));
  const data = {
    run: { runId: run.runId, startedAt: run.startedAt, status: run.status, harness: run.harness, host: run.host },
    kernels, support, symbols: SYMBOL,
    cells: run.cells.map((c) => ({ ...c, anchor: cellAnchor(c.id), console: consoles[c.id] ?? [], reproduce: reproduceCommand(c) })),
  };
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>lsm-matrix ${run.runId.replace(/[^A-Za-z0-9-]/g, '')}</title>
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'">
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#222}
table{border-collapse:collapse;margin:.5em 0 1.5em}td,th{border:1px solid #ccc;padding:.3em .5em;vertical-align:top;text-align:left}
th{background:#f3f3f3}.pass,.works{background:#e7f7e7}.fail,.fails{background:#fde2e2}.error{background:#fff3cd}
.skip,.untestable,.none{background:#f2f2f2;color:#555}.confirmed-limitation,.limitation{background:#e8e4f8}
pre{background:#f7f7f7;padding:.5em;overflow:auto;max-height:24em;white-space:pre-wrap}
.hidden{display:none}nav label{margin-right:1em}code{background:#f3f3f3;padding:0 .2em}
</style></head><body>
<h1>LSM stacking and containers: support matrix</h1>
<p id="meta"></p>
<nav><label>kernel <select id="f-kernel"><option value="">all</option></select></label>
<label>stack <select id="f-stack"><option value="">all</option></select></label>
<label>technology <select id="f-tech"><option value="">all</option></select></label></nav>
<h2>Support table</h2><table id="support"></table>
<h2>Cells</h2><div id="cells"></div>
<script type="application/json" id="data">${scriptJson(data)}</script>
<script>
(() => {
  const D = JSON.parse(document.getElementById('data').textContent);
  const el = (tag, attrs = {}, ...kids) => {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) k === 'class' ? (e.className = v) : e.setAttribute(k, v);
    for (const k of kids) e.append(k instanceof Node ? k : document.createTextNode(String(k ?? '')));
    return e;
  };
  // Escape sequences and control characters from guests are shown, not obeyed.
  const clean = (s) => String(s ?? '').replace(/[\\u0000-\\u0008\\u000b-\\u001f\\u007f]/g, (c) => c === '\\u001b' ? '␛' : '·');
  document.getElementById('meta').append('Run ' + D.run.runId + ' (' + D.run.startedAt + '), lsm-matrix ' + D.run.harness.version + ', ' + (D.run.host.accel || '?') + ': ' + (D.run.host.accelReason || '') + ', status ' + D.run.status);
  const fill = (id, values) => { const s = document.getElementById(id); for (const v of values) s.append(el('option', { value: v }, v)); return s; };
  const fk = fill('f-kernel', D.kernels), fs = fill('f-stack', [...new Set(D.cells.map((c) => c.stack.id))]), ft = fill('f-tech', [...new Set(D.support.map((r) => r.technology))]);
  const support = document.getElementById('support');
  const head = el('tr', {}, el('th', {}, 'technology'), el('th', {}, 'situation'));
  D.kernels.forEach((k) => head.append(el('th', { 'data-kernel': k }, k)));
  support.append(head);
  for (const row of D.support) {
    const tr = el('tr', { 'data-tech': row.technology }, el('td', {}, row.technology), el('td', {}, row.situation));
    for (const e of row.entries) {
      const td = el('td', { class: e.mark, 'data-kernel': e.kernel }, D.symbols[e.mark] + ' ' + e.words + ' ');
      if (e.cells[0]) td.append(el('a', { href: '#' + D.cells.find((c) => c.id === e.cells[0]).anchor }, 'details'));
      tr.append(td);
    }
    support.append(tr);
  }
  const cells = document.getElementById('cells');
  for (const c of D.cells) {
    const sec = el('section', { id: c.anchor, 'data-kernel': c.kernel.name, 'data-stack': c.stack.id });
    sec.append(el('h3', {}, c.id + ' — ' + (c.status === 'ok' ? (c.startedFrom === 'snapshot' ? 'restored from the snapshot cache in ' : 'booted in ') + (c.bootSeconds ?? 0).toFixed(1) + ' s' : 'ERROR: ' + clean(c.error && c.error.message))));
    sec.append(el('p', {}, 'kernel ' + clean(c.kernel.source || c.kernel.name) + ' ' + clean(c.kernel.release) + '; stack ' + (c.stack.parameter || '(default)') + '; active ' + clean((c.stack.active || []).join(',')) + (c.stack.missing && c.stack.missing.length ? '; NOT ACTIVE: ' + c.stack.missing.join(',') : '')));
    sec.append(el('p', {}, 'reproduce: ', el('code', {}, c.reproduce)));
    if (c.tests.length) {
      const t = el('table', {}, el('tr', {}, el('th', {}, 'scenario'), el('th', {}, 'test'), el('th', {}, 'verdict'), el('th', {}, 'reason / likely cause'), el('th', {}, 'evidence')));
      for (const x of c.tests) {
        const ev = el('details', {}, el('summary', {}, (x.evidence ? x.evidence.commands.length : 0) + ' commands, ' + (x.evidence ? x.evidence.denials.length : 0) + ' denials'));
        for (const cmd of (x.evidence ? x.evidence.commands : [])) ev.append(el('pre', {}, '$ ' + clean(cmd.command) + '\\n[exit ' + cmd.exitCode + ']\\n' + clean(cmd.stdout) + clean(cmd.stderr)));
        if (x.evidence && x.evidence.denials.length) ev.append(el('pre', {}, clean(x.evidence.denials.join('\\n'))));
        const why = el('td', {}, clean(x.reason));
        if (x.triage) why.append(el('div', {}, 'likely cause: ' + x.triage.cause + ' — ' + clean(x.triage.evidence)));
        if (x.reproduce) why.append(el('div', {}, el('code', {}, x.reproduce)));
        t.append(el('tr', { class: x.verdict }, el('td', {}, x.scenario), el('td', {}, x.name), el('td', {}, x.verdict), why, el('td', {}, ev)));
      }
      sec.append(t);
    }
    if (c.console.length) sec.append(el('details', {}, el('summary', {}, 'console (last ' + c.console.length + ' lines)'), el('pre', {}, clean(c.console.join('\\n')))));
    cells.append(sec);
  }
  const apply = () => {
    for (const s of cells.children) s.classList.toggle('hidden', (fk.value && s.dataset.kernel !== fk.value) || (fs.value && s.dataset.stack !== fs.value));
    for (const cell of support.querySelectorAll('[data-kernel]')) cell.classList.toggle('hidden', !!fk.value && cell.dataset.kernel !== fk.value);
    for (const r of support.querySelectorAll('tr[data-tech]')) r.classList.toggle('hidden', !!ft.value && r.dataset.tech !== ft.value);
  };
  [fk, fs, ft].forEach((s) => s.addEventListener('change', apply));
})();
</script></body></html>
`;
}
