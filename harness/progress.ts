/**
 * What a run tells the terminal while it works: cells done out of all, what
 * each running cell is doing, and an ETA from how long each cell took last
 * time (kept in <cache>/history.json, which also orders cells slowest first).
 * On a TTY a status line stays at the bottom; otherwise plain lines (CI logs).
 */
import { readFile, writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { cacheRoot } from './cache.ts';

export type History = Record<string, number>;

const historyFile = () => join(cacheRoot(), 'history.json');

export async function loadHistory(): Promise<History> {
  return readFile(historyFile(), 'utf8').then(JSON.parse).catch(() => ({}));
}

export async function saveHistory(h: History): Promise<void> {
  await mkdir(cacheRoot(), { recursive: true });
  await writeFile(historyFile(), JSON.stringify(h, null, 1)).catch(() => {});
}

/** Pure: a cell's key in the history: the same cell with the same scenarios. */
export const historyKey = (cellId: string, scenarios: string[]) => `${cellId} :: ${scenarios.length ? [...scenarios].sort().join(',') : '(probe only)'}`;

/** Pure: slowest first by history; cells never timed count as slowest (they may build a kernel). */
export function slowestFirst<T>(items: T[], seconds: (t: T) => number | undefined): T[] {
  return items.map((t, i) => ({ t, i, s: seconds(t) ?? Infinity })).sort((a, b) => b.s - a.s || a.i - b.i).map((x) => x.t);
}

/** Pure: minutes left with `jobs` cells at a time, from the estimates of what has not finished. */
export function etaSeconds(remaining: number[], jobs: number): number {
  return remaining.reduce((a, b) => a + b, 0) / Math.max(1, jobs);
}

const fmt = (s: number) => (s >= 3600 ? `${Math.floor(s / 3600)} h ${Math.round((s % 3600) / 60)} min` : s >= 60 ? `${Math.round(s / 60)} min` : `${Math.round(s)} s`);

export class RunProgress {
  private readonly running = new Map<string, { started: number; doing: string; estimate: number }>();
  private done = 0;
  private timer: NodeJS.Timeout | undefined;
  private statusShown = false;

  constructor(
    private readonly total: number,
    private readonly jobs: number,
    private readonly estimate: (cellId: string) => number,
    private readonly pending: () => string[],
    private readonly write: (line: string) => void,
    private readonly tty = Boolean(process.stderr.isTTY),
  ) {
    if (this.tty) this.timer = setInterval(() => this.drawStatus(), 1000).unref();
  }

  /** A log line; on a TTY the status line is redrawn under it. */
  log(line: string): void {
    this.clearStatus();
    this.write(line);
    this.drawStatus();
  }

  started(cellId: string): void {
    this.running.set(cellId, { started: Date.now(), doing: 'starting', estimate: this.estimate(cellId) });
  }

  doing(cellId: string, what: string): void {
    const r = this.running.get(cellId);
    if (r) r.doing = what;
  }

  finished(cellId: string, summary: string): void {
    this.running.delete(cellId);
    this.done++;
    this.log(`[${this.done}/${this.total} done] ${cellId}: ${summary}${this.done < this.total ? ` · ETA ${fmt(this.eta())}` : ''}`);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.clearStatus();
  }

  private eta(): number {
    const left = [...this.running.values()].map((r) => Math.max(0, r.estimate - (Date.now() - r.started) / 1000));
    return etaSeconds([...left, ...this.pending().map(this.estimate)], this.jobs);
  }

  private status(): string {
    const cells = [...this.running].map(([id, r]) => `${id}: ${r.doing}`).join(' | ');
    return `cells ${this.done}/${this.total} · ETA ${fmt(this.eta())}${cells ? ` · ${cells}` : ''}`;
  }

  private drawStatus(): void {
    if (!this.tty) return;
    const cols = process.stderr.columns || 120;
    process.stderr.write(`\r\x1b[K${this.status().slice(0, cols - 1)}`);
    this.statusShown = true;
  }

  private clearStatus(): void {
    if (this.tty && this.statusShown) process.stderr.write('\r\x1b[K');
    this.statusShown = false;
  }
}
