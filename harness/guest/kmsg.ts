import type { ClientChannel } from 'ssh2';
import { InfraError } from '../errors.ts';
import type { Ssh } from '../vm/ssh.ts';

/** Lines kept per test; a flood beyond it is cut (the count is not needed). */
const MAX_LINES = 2000;

/**
 * `dmesg -w` follows the kernel log and survives a ring buffer that wrapped
 * under it; the loop writes each line the harness sends into the log, so a
 * marker comes back through the same stream once every earlier line has.
 * The writes are harness bookkeeping, so rate limiting is switched off
 * for them (systemd usually has already).
 */
const FOLLOW = 'echo on > /proc/sys/kernel/printk_devkmsg 2>/dev/null; dmesg -w & '
  + 'while IFS= read -r m; do echo "$m" > /dev/kmsg; done; kill $! 2>/dev/null';

/**
 * The guest's kernel log as it is written, over one SSH channel: a test's
 * denials are the lines between two markers. A marker costs a line written
 * and read back (no process started in the guest), where reading the log
 * after each test cost `dmesg` and `awk` (≈ 0.27 s under TCG).
 */
export class KernelLog {
  private lines: string[] = [];
  private partial = '';
  private marks = 0;
  private returned = false;
  private waiting: { mark: string; resolve: (lines: string[]) => void; reject: (e: Error) => void } | undefined;
  private ended: string | undefined;
  private readonly tag = Math.random().toString(36).slice(2, 8);

  constructor(private readonly channel: ClientChannel) {
    channel.on('data', (d: Buffer) => this.take(d.toString('utf8')));
    channel.stderr.resume();
    channel.on('close', () => this.end('the kernel log stream closed'));
    channel.on('error', (e: Error) => this.end(`the kernel log stream failed: ${e.message}`));
  }

  /** Start following the log on a connection (a channel of its own beside the tests' commands). */
  static async follow(ssh: Ssh): Promise<KernelLog> {
    return new KernelLog(await ssh.stream(FOLLOW));
  }

  /** Whether a marker came back yet: lines before the first one belong to no test. */
  get started(): boolean {
    return this.returned;
  }

  /** Put a marker in the log and wait for it: resolves with the lines since the previous marker. */
  mark(timeoutMs = 20_000): Promise<string[]> {
    if (this.ended) return Promise.reject(new InfraError(this.ended));
    if (this.waiting) return Promise.reject(new InfraError('kernel log: a marker is already on its way'));
    const mark = `lsm-matrix: mark ${this.tag}-${++this.marks}`;
    return new Promise<string[]>((resolve, reject) => {
      const timer = setTimeout(() => this.settle(new InfraError(`kernel log: marker not back after ${timeoutMs / 1000} s`)), timeoutMs);
      this.waiting = {
        mark,
        resolve: (l) => { clearTimeout(timer); resolve(l); },
        reject: (e) => { clearTimeout(timer); reject(e); },
      };
      this.channel.write(`${mark}\n`);
    });
  }

  close(): void {
    this.end('closed');
    try { this.channel.close(); } catch { /* the connection went first */ }
  }

  private take(chunk: string): void {
    const parts = (this.partial + chunk).split('\n');
    this.partial = parts.pop()!;
    for (const line of parts) {
      if (this.waiting && line.endsWith(this.waiting.mark)) {
        this.returned = true;
        this.settle(this.lines);
        this.lines = [];
      } else if (this.lines.length < MAX_LINES) {
        this.lines.push(line);
      }
    }
  }

  private settle(result: string[] | Error): void {
    const w = this.waiting;
    this.waiting = undefined;
    if (!w) return;
    if (result instanceof Error) w.reject(result);
    else w.resolve(result);
  }

  private end(why: string): void {
    this.ended ??= why;
    this.settle(new InfraError(this.ended));
  }
}
