// spread's -debug: a failing test opens a shell in the guest right at the
// failure (a real pty via script(1)); what the test left is there; leaving
// the shell lets the run finish with the failure reported and exit 1.
import { expect, test } from 'vitest';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { CLI, ROOT, readRun } from './helpers.ts';

test('--shell-on-fail opens a shell in the guest at the failure', async () => {
  const out = await mkdtemp(join(tmpdir(), 'lsmm-sof-'));
  const cmd = `node ${CLI} run --kernel debian-6.12 --stack apparmor --scenario ${ROOT}test/fixtures/scenarios/failing/fails.ts --retries 0 --shell-on-fail --out ${out}`;
  const child = execa('script', ['-qfec', cmd, '/dev/null'], { cwd: ROOT, reject: false, all: true, stdin: 'pipe', timeout: 20 * 60_000 });
  let seen = '';
  let sent = false;
  child.all!.on('data', (d: Buffer) => {
    seen += d.toString();
    if (!sent && /a shell in the guest at the point of failure/.test(seen)) {
      sent = true;
      // Give the remote shell a moment to print its prompt.
      setTimeout(() => child.stdin!.write('cat /root/lsmm-mark; echo "in-guest-$((40+2))"; exit\n'), 3000);
    }
  });
  const r = await child;
  expect(sent, seen.slice(-3000)).toBe(true);
  expect(seen).toMatch(/left-by-the-failing-test/);
  expect(seen).toMatch(/in-guest-42/);
  expect(r.exitCode, seen.slice(-2000)).toBe(1);
  const run = await readRun(out);
  expect(run.cells[0]!.tests.map((t) => t.verdict)).toEqual(['fail']);
  expect(seen).toMatch(/reproduce: npx lsm-matrix run --kernel debian-6.12 --stack apparmor --scenario .*fails.ts.* --shell-on-fail/);
}, 20 * 60_000);
