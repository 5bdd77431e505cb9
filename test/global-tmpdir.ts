// The test run gets a temporary directory of its own (TMPDIR, which every
// test, the CLI it starts and os.tmpdir() honour) and removes it at the end,
// so runs do not pile up directories in /tmp.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export default function setup(): () => void {
  const dir = mkdtempSync(join(tmpdir(), 'lsmm-test-'));
  process.env.TMPDIR = dir;
  return () => rmSync(dir, { recursive: true, force: true });
}
