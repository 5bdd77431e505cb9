import { createConnection, type Socket } from 'node:net';
import { InfraError } from '../errors.ts';

/**
 * A minimal QMP client: connect, negotiate capabilities, send commands one at
 * a time. Used for internal snapshots (savevm/loadvm through the human
 * monitor, which is how QEMU 7.2 exposes them synchronously).
 */
export class Qmp {
  private buf = '';
  private waiting: { resolve: (msg: any) => void; reject: (e: Error) => void } | undefined;
  /** Set once the socket is gone: every command after it fails at once instead of waiting forever. */
  private gone: Error | undefined;

  private constructor(private readonly sock: Socket) {
    sock.setEncoding('utf8');
    // QEMU dying mid-command (a loadvm of a killed guest) must fail that command, not hang it.
    const lost = (why: string) => {
      this.gone ??= new InfraError(`QEMU's monitor connection ended (${why}): QEMU stopped`);
      const w = this.waiting;
      this.waiting = undefined;
      w?.reject(this.gone);
    };
    sock.on('error', (e) => lost(e.message));
    sock.on('close', () => lost('closed'));
    sock.on('data', (d: string) => {
      this.buf += d;
      for (let nl = this.buf.indexOf('\n'); nl >= 0; nl = this.buf.indexOf('\n')) {
        const line = this.buf.slice(0, nl).trim();
        this.buf = this.buf.slice(nl + 1);
        if (!line) continue;
        let msg: any;
        try {
          msg = JSON.parse(line);
        } catch {
          lost(`not QMP: ${line.slice(0, 80)}`);
          return sock.destroy();
        }
        if ('event' in msg) continue;
        const w = this.waiting;
        this.waiting = undefined;
        w?.resolve(msg);
      }
    });
  }

  static async connect(path: string, timeoutMs = 5000): Promise<Qmp> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        const sock = await new Promise<Socket>((resolve, reject) => {
          const s = createConnection(path);
          s.once('connect', () => resolve(s));
          s.once('error', reject);
        });
        const q = new Qmp(sock);
        await q.next(); // greeting
        await q.command('qmp_capabilities');
        return q;
      } catch (e) {
        if (Date.now() > deadline) throw new InfraError(`cannot reach QEMU's QMP socket ${path}: ${(e as Error).message}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  }

  private next(): Promise<any> {
    if (this.gone) return Promise.reject(this.gone);
    return new Promise((resolve, reject) => { this.waiting = { resolve, reject }; });
  }

  async command(execute: string, args?: Record<string, unknown>): Promise<any> {
    const reply = this.next();
    this.sock.write(`${JSON.stringify(args ? { execute, arguments: args } : { execute })}\n`);
    const msg = await reply;
    if (msg.error) throw new InfraError(`QMP ${execute}: ${msg.error.desc}`);
    return msg.return;
  }

  /** A human-monitor command; its text output is an error when non-empty for savevm/loadvm. */
  async hmp(line: string): Promise<string> {
    return String(await this.command('human-monitor-command', { 'command-line': line }));
  }

  close(): void {
    this.sock.destroy();
  }
}
