import { execa } from 'execa';
import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { RunResult } from '../../harness/results.ts';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const CLI = `${ROOT}bin/lsm-matrix.js`;

/** The CLI as a user runs it; never throws, returns exit code and output. */
export function cli(args: string[], opts: { timeoutMs?: number; env?: Record<string, string> } = {}) {
  return execa('node', [CLI, ...args], { cwd: ROOT, reject: false, all: true, timeout: opts.timeoutMs ?? 60 * 60_000, ...(opts.env ? { env: opts.env } : {}) });
}

export async function readRun(dir: string): Promise<RunResult> {
  return JSON.parse(await readFile(`${dir}/run.json`, 'utf8'));
}

/** PIDs of running processes whose command line mentions `needle` (to prove nothing was left behind). */
export async function processesMentioning(needle: string): Promise<number[]> {
  const out: number[] = [];
  for (const d of await readdir('/proc')) {
    if (!/^\d+$/.test(d) || Number(d) === process.pid) continue;
    const cmd = await readFile(`/proc/${d}/cmdline`, 'utf8').catch(() => '');
    if (cmd.includes(needle) && !cmd.includes('vitest')) out.push(Number(d));
  }
  return out;
}

/** Resolve once a child's combined output matches `pattern`; reject after `ms` naming `what` never happened. */
export function outputMatches(child: { all?: NodeJS.ReadableStream | null }, pattern: RegExp, what: string, ms = 20 * 60_000): Promise<void> {
  let seen = '';
  return new Promise<void>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`${what}: ${seen.slice(-2000)}`)), ms);
    child.all!.on('data', (d: Buffer) => {
      seen += d.toString();
      if (pattern.test(seen)) { clearTimeout(t); resolve(); }
    });
  });
}

/** PIDs of the running children of `pid` (from /proc/<pid>/stat's ppid field). */
export async function childrenOf(pid: number): Promise<number[]> {
  const out: number[] = [];
  for (const d of await readdir('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    const stat = await readFile(`/proc/${d}/stat`, 'utf8').catch(() => '');
    // The command name may hold spaces and parentheses: fields count from the last ')'.
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    if (ppid === pid) out.push(Number(d));
  }
  return out;
}
