// The test run's temporary files (run directories, console logs, sockets)
// go to one directory per checkout, emptied when the next run starts and
// kept when this one ends: a failed run's evidence stays to be read, and
// runs do not pile up directories in /tmp. Per checkout, so a CI clone and
// a working tree testing at once do not empty each other's.
import { createHash } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export default function setup(): () => void {
  const checkout = createHash('sha256').update(fileURLToPath(new URL('..', import.meta.url))).digest('hex').slice(0, 8);
  const dir = join(tmpdir(), `lsm-matrix-tests-${checkout}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  process.env.TMPDIR = dir;
  return () => process.stderr.write(`lsm-matrix tests: temporary files of this run (console logs, run directories) kept in ${dir} until the next run\n`);
}
