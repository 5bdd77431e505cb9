/**
 * One cell in a process of its own, so cells run their scenarios at the same
 * time: @vitest/runner keeps its current suite and test in module state, so
 * within one process scenario phases can only take turns (cell.ts).
 *
 * The parent forks `lsm-matrix __cell` with an IPC channel, sends the cell
 * and its environment, and gets back progress lines, each scenario file's
 * results as it ends (so a Ctrl-C keeps them), and the cell's result. The
 * child owns its QEMU: its own signal handling stops it; the parent forwards
 * a SIGINT it alone received and waits for the child to finish cleaning up.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { runCell, type CellEnv } from './cell.ts';
import { onCleanup, interruptedBy } from './vm/reaper.ts';
import type { Cell } from './matrix.ts';
import type { CellResult, TestResult } from './results.ts';

type WireEnv = Omit<CellEnv, 'progress' | 'privateKey' | 'fileDone'> & { privateKey: string };

type ToChild = { cell: Cell; env: WireEnv; result: CellResult };
type FromChild =
  | { type: 'progress'; line: string }
  | { type: 'tests'; tests: TestResult[] }
  | { type: 'done'; result: CellResult };

const CLI = fileURLToPath(new URL('../bin/lsm-matrix.js', import.meta.url));

/** What runCell does, in a child process. Never throws: failures become `error`. */
export function runCellInChild(cell: Cell, env: CellEnv, result: CellResult): Promise<CellResult> {
  const { progress, privateKey, fileDone, ...rest } = env;
  // stdin stays the terminal's (the child never reads it: --shell-on-fail runs cells in-process).
  const child = fork(CLI, ['__cell'], { stdio: ['inherit', 'inherit', 'inherit', 'ipc'] });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const forget = onCleanup(() => stopChild(child, exited));
  let done: CellResult | undefined;
  child.on('message', (m: FromChild) => {
    if (m.type === 'progress') progress(m.line);
    // After a signal, files end because their guest was stopped: not a verdict.
    else if (m.type === 'tests' && !interruptedBy()) { result.tests.push(...m.tests); fileDone?.(m.tests); }
    else if (m.type === 'done') done = m.result;
  });
  child.send({ cell, env: { ...rest, privateKey: privateKey.toString('base64') }, result } satisfies ToChild);
  return exited.then(({ code, signal }) => {
    forget();
    if (interruptedBy()) return result; // stays `pending` with the files it finished
    if (done) return Object.assign(result, done);
    result.status = 'error';
    result.error = { message: `the cell's process ended (${signal ?? `exit code ${code}`}) before reporting its result` };
    return result;
  });
}

/** A SIGINT the parent alone received: pass it on, give the child time to stop its guest. */
async function stopChild(child: ChildProcess, exited: Promise<unknown>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGINT');
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  await exited;
  clearTimeout(timer);
}

/** The child's side (`lsm-matrix __cell`): one message in, the cell's result out. */
export async function cellChildMain(): Promise<never> {
  if (!process.send) throw new Error('`__cell` is started by `lsm-matrix run`, with an IPC channel');
  // The parent gone (killed outright): stop this guest the way a Ctrl-C would.
  process.once('disconnect', () => process.kill(process.pid, 'SIGINT'));
  const send = (m: FromChild) => new Promise<void>((resolve) => process.send!(m, undefined, undefined, () => resolve()));
  const { cell, env, result } = await new Promise<ToChild>((resolve) => process.once('message', (m) => resolve(m as ToChild)));
  const finished = await runCell(cell, {
    ...env,
    privateKey: Buffer.from(env.privateKey, 'base64'),
    progress: (line) => void send({ type: 'progress', line }),
    fileDone: (tests) => void send({ type: 'tests', tests }),
  }, { ...result, tests: [] });
  await send({ type: 'done', result: finished });
  // Its guest is stopped and its files are gone (runCell's finally): nothing left to wait for.
  process.exit(0);
}
