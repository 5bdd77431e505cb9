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

/** Every running process but this one: pid, parent pid and command line (NULs as spaces). */
export async function processes(): Promise<{ pid: number; ppid: number; cmdline: string }[]> {
  const out: { pid: number; ppid: number; cmdline: string }[] = [];
  for (const d of await readdir('/proc')) {
    if (!/^\d+$/.test(d) || Number(d) === process.pid) continue;
    const [stat, cmdline] = await Promise.all([`/proc/${d}/stat`, `/proc/${d}/cmdline`].map((f) => readFile(f, 'utf8').catch(() => '')));
    if (!stat) continue; // gone meanwhile
    // The command name may hold spaces and parentheses: fields count from the last ')'.
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    out.push({ pid: Number(d), ppid, cmdline: cmdline!.replace(/\0/g, ' ') });
  }
  return out;
}

/** PIDs of running processes whose command line mentions `needle` (to prove nothing was left behind). */
export async function processesMentioning(needle: string): Promise<number[]> {
  return (await processes()).filter((p) => p.cmdline.includes(needle) && !p.cmdline.includes('vitest')).map((p) => p.pid);
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

