import { InfraError } from '../errors.ts';
import { shellQuote, type ExecResult, type Ssh } from '../vm/ssh.ts';
import type { Probe } from './probe.ts';

export interface CommandResult extends ExecResult {
  command: string;
  ok: boolean;
  /** stdout, trimmed. */
  text: string;
}

export interface CommandRecord {
  command: string;
  exitCode: number;
  stdout: string;
  stderr: string;
  /** Wall time of the command from the harness's side. */
  seconds: number;
}

/** How much of each command's output is kept as evidence. */
const EVIDENCE_BYTES = 4096;
const bound = (s: string) => (s.length > EVIDENCE_BYTES ? `${s.slice(0, EVIDENCE_BYTES)}… [${s.length - EVIDENCE_BYTES} more bytes]` : s);

/** Pure: a zx-style template into one shell command, every value quoted. */
export function buildCommand(strings: TemplateStringsArray | string[], values: unknown[]): string {
  let out = strings[0] ?? '';
  values.forEach((v, i) => {
    const q = Array.isArray(v) ? v.map((x) => shellQuote(String(x))).join(' ') : shellQuote(String(v));
    out += q + (strings[i + 1] ?? '');
  });
  return out;
}

export interface CellFacts {
  kernel: string;
  release: string;
  stack: { id: string; requested: string[]; active: string[] };
  probe: Probe;
}

/**
 * What a scenario test gets: commands over SSH in a real guest, with every
 * command and its (bounded) output recorded as the test's evidence.
 */
export class Guest {
  readonly commands: CommandRecord[] = [];

  constructor(private ssh: Ssh, readonly facts: CellFacts, private readonly defaultTimeoutMs = 120_000) {}

  /** Swap the connection after a snapshot restore; evidence continues. */
  reconnect(ssh: Ssh): void {
    this.ssh = ssh;
  }

  get probe(): Probe {
    return this.facts.probe;
  }

  /** Run a command; never throws for a non-zero exit (tests assert on it). */
  $ = (strings: TemplateStringsArray, ...values: unknown[]): Promise<CommandResult> => this.run(buildCommand(strings, values));

  async run(command: string, opts: { timeoutMs?: number; stdin?: string | Buffer } = {}): Promise<CommandResult> {
    const t0 = Date.now();
    const r = await this.ssh.exec(command, { timeoutMs: opts.timeoutMs ?? this.defaultTimeoutMs, ...(opts.stdin !== undefined ? { stdin: opts.stdin } : {}) });
    this.commands.push({ command, exitCode: r.exitCode, stdout: bound(r.stdout), stderr: bound(r.stderr), seconds: (Date.now() - t0) / 1000 });
    if (r.timedOut) throw new InfraError(`command timed out after ${(opts.timeoutMs ?? this.defaultTimeoutMs) / 1000} s: ${command.slice(0, 200)}`);
    return { ...r, command, ok: r.exitCode === 0, text: r.stdout.trim() };
  }

  /** Run a command that must succeed for the test to go on; its failure is the test's failure. */
  async must(strings: TemplateStringsArray, ...values: unknown[]): Promise<CommandResult> {
    const r = await this.run(buildCommand(strings, values));
    if (!r.ok) {
      const e = new Error(`\`${r.command}\` exited ${r.exitCode}: ${(r.stderr || r.stdout).trim().slice(0, 500)}`);
      e.name = 'AssertionError';
      throw e;
    }
    return r;
  }

  async put(path: string, contents: string | Buffer, mode = 0o644): Promise<void> {
    const t0 = Date.now();
    await this.ssh.put(path, contents, mode);
    this.commands.push({ command: `# wrote ${path} (${contents.length} bytes, mode ${mode.toString(8)})`, exitCode: 0, stdout: '', stderr: '', seconds: (Date.now() - t0) / 1000 });
  }

  /**
   * A task's AppArmor label read from outside it, as root in the root
   * namespace: inside a policy namespace a task sees only `unconfined`.
   */
  async labelOf(pid: number | string): Promise<string> {
    const p = String(pid);
    const r = await this.run(`cat /proc/${shellQuote(p)}/attr/apparmor/current 2>/dev/null || cat /proc/${shellQuote(p)}/attr/current`);
    return r.text.replace(/\0/g, '');
  }
}
