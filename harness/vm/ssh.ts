import { Client, type ClientChannel, type ConnectConfig } from 'ssh2';
import { constants as osConstants } from 'node:os';
import { InfraError } from '../errors.ts';

export interface ExecResult {
  exitCode: number;
  stdout: string;
  stderr: string;
  /** Killed by the harness's timeout. */
  timedOut: boolean;
  /** The signal that ended the command, if one did (then exitCode is 128 + its number, as a shell reports it). */
  signal?: string;
}

export interface ExecOptions {
  timeoutMs?: number;
  stdin?: string | Buffer;
  /** Bound on each of stdout/stderr kept in memory, in bytes. */
  maxOutput?: number;
}

export interface SshTarget {
  host: string;
  port: number;
  username: string;
  privateKey: Buffer;
}

/** One SSH connection to a guest. Commands run as root in /root with a login-less shell. */
export class Ssh {
  private constructor(private readonly client: Client) {}

  /** Connect once; rejects with the ssh2 error (callers retry while the guest boots). */
  static connect(t: SshTarget, timeoutMs = 10_000): Promise<Ssh> {
    return new Promise((resolve, reject) => {
      const c = new Client();
      const cfg: ConnectConfig = {
        host: t.host, port: t.port, username: t.username, privateKey: t.privateKey,
        readyTimeout: timeoutMs, keepaliveInterval: 5000, keepaliveCountMax: 6,
        // Guests are made here and reached over loopback; their host keys change per image.
        hostVerifier: () => true,
      };
      let settled = false;
      c.once('ready', () => { settled = true; resolve(new Ssh(c)); });
      // ssh2 may emit several errors for one failure, and more after 'ready'
      // (connection lost): all are handled here, the first one before 'ready' rejects.
      c.on('error', (e) => {
        if (!settled) { settled = true; c.end(); reject(e); }
      });
      c.connect(cfg);
    });
  }

  async exec(command: string, opts: ExecOptions = {}): Promise<ExecResult> {
    const max = opts.maxOutput ?? 1 << 20;
    const stream = await this.stream(command);
    // Handlers go on before the event loop turns again: nothing of the command is missed.
    return new Promise((resolve, reject) => {
      let out: Buffer = Buffer.alloc(0);
      let errOut: Buffer = Buffer.alloc(0);
      let timedOut = false;
      let code: number | null = null;
      let signal: string | undefined;
      const keep = (acc: Buffer, d: Buffer): Buffer => (acc.length >= max ? acc : Buffer.concat([acc, d]).subarray(0, max));
      stream.on('data', (d: Buffer) => { out = keep(out, d); });
      stream.stderr.on('data', (d: Buffer) => { errOut = keep(errOut, d); });
      const timer = opts.timeoutMs
        ? setTimeout(() => { timedOut = true; stream.signal?.('KILL'); stream.close(); }, opts.timeoutMs)
        : undefined;
      stream.on('exit', (c: number | null, sig?: string) => {
        code = c;
        if (sig) signal = sig;
      });
      stream.on('close', () => {
        if (timer) clearTimeout(timer);
        // ssh2 reports the signal as `KILL` or `SIGKILL` depending on the server.
        const sigName = (signal?.startsWith('SIG') ? signal : `SIG${signal}`) as keyof typeof osConstants.signals;
        const bySignal = signal ? 128 + (osConstants.signals[sigName] ?? 0) : undefined;
        // No exit status and no timeout: the connection went (guest killed,
        // sshd gone). That is the harness's or guest's breakage, never a verdict.
        if (code === null && bySignal === undefined && !timedOut) {
          return reject(new InfraError(`ssh: the connection closed before \`${command.slice(0, 80)}\` ended (the guest died or stopped answering)`));
        }
        resolve({
          exitCode: code ?? bySignal ?? 124,
          stdout: out.toString('utf8'), stderr: errOut.toString('utf8'), timedOut,
          ...(signal ? { signal } : {}),
        });
      });
      stream.on('error', (e: Error) => reject(new InfraError(`ssh: ${e.message}`)));
      if (opts.stdin !== undefined) stream.end(opts.stdin);
      else stream.end();
    });
  }

  /**
   * A long-running command whose stdin and stdout stay open: the caller
   * writes to it and reads its output as it comes; closing the connection
   * ends it.
   */
  stream(command: string): Promise<ClientChannel> {
    return new Promise((resolve, reject) => {
      this.client.exec(command, (err, channel) => (err ? reject(new InfraError(`ssh: cannot start command: ${err.message}`)) : resolve(channel)));
    });
  }

  /** Write a file in the guest (through `cat`, so no SFTP subsystem is needed). */
  async put(path: string, contents: string | Buffer, mode = 0o644): Promise<void> {
    const q = shellQuote(path);
    const r = await this.exec(`cat > ${q} && chmod ${mode.toString(8)} ${q}`, { stdin: contents });
    if (r.exitCode !== 0) throw new InfraError(`cannot write ${path} in the guest: ${r.stderr.trim()}`);
  }

  /** An interactive shell on the user's terminal; resolves when it ends. */
  shell(): Promise<void> {
    return new Promise((resolve, reject) => {
      const { stdin, stdout } = process;
      this.client.shell({ term: process.env.TERM ?? 'xterm', rows: stdout.rows ?? 24, cols: stdout.columns ?? 80 }, (err, stream) => {
        if (err) return reject(err);
        const raw = stdin.isTTY;
        if (raw) stdin.setRawMode(true);
        stdin.pipe(stream);
        stream.pipe(stdout);
        stream.stderr.pipe(process.stderr);
        const onResize = () => stream.setWindow(stdout.rows ?? 24, stdout.columns ?? 80, 0, 0);
        stdout.on('resize', onResize);
        stream.on('close', () => {
          stdout.off('resize', onResize);
          stdin.unpipe(stream);
          if (raw) stdin.setRawMode(false);
          stdin.pause();
          resolve();
        });
      });
    });
  }

  onClose(fn: () => void): void {
    this.client.once('close', fn);
  }

  close(): void {
    this.client.end();
  }
}

/** POSIX single-quote quoting. */
export function shellQuote(s: string): string {
  if (/^[A-Za-z0-9_\/.,:=@%+-]+$/.test(s)) return s;
  return `'${s.replace(/'/g, `'\\''`)}'`;
}
