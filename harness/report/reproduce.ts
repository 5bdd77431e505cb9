import type { CellResult, TestResult } from '../results.ts';
import { shellQuote } from '../vm/ssh.ts';

/** Pure: the one command that reruns just this cell and test, stopping in a shell at the failure. */
export function reproduceCommand(cell: CellResult, test?: TestResult): string {
  const args = ['npx', 'lsm-matrix', 'run', '--kernel', cell.kernel.name, '--stack', cell.stack.id];
  if (test) {
    args.push('--scenario', test.file ?? test.scenario);
    if (test.name !== '(load)') args.push('--test', test.name);
    args.push('--shell-on-fail');
  }
  return args.map(shellQuote).join(' ');
}
