// The AppArmor policy cache on real guests: the first cell of a kernel and
// image compiles the policy at boot and the harness keeps it; the next guest
// of that kernel boots with it and compiles nothing (apparmor_parser found
// the cache valid), and `shell --exec` hands back the command's exit status.
import { expect, test } from 'vitest';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { cli, readRun } from './helpers.ts';
import { prepareKernel } from '../../harness/prepare.ts';
import { ensureImage } from '../../harness/images/build.ts';
import { policyInitramfsPath, policyOwner } from '../../harness/guest/policy-cache.ts';

const kernel = await prepareKernel('debian-6.12');
const image = await ensureImage('bookworm-containers');
const policy = policyInitramfsPath(policyOwner(kernel, image));
const dir = await mkdtemp(join(tmpdir(), 'lsmm-policy-'));

test('the first boot of a kernel and image compiles the policy; the harness keeps it', async () => {
  await rm(dirname(policy), { recursive: true, force: true });
  const r = await cli(['run', '--kernel', 'debian-6.12', '--stack', 'apparmor', '--scenario', 'none', '--no-snapshot-cache', '--out', join(dir, 'first')]);
  expect(r.exitCode, String(r.all).slice(-3000)).toBe(0);
  expect(String(r.stderr)).toMatch(/kept the compiled AppArmor policy/);
  expect((await readRun(join(dir, 'first'))).cells[0]!.stack.active).toContain('apparmor');
  expect(existsSync(policy)).toBe(true);
}, 20 * 60_000);

test('the next guest boots with the kept policy: every cache file predates its boot', async () => {
  const count = 'b=$(awk \'/^btime/{print $2}\' /proc/stat); '
    + 'echo "files=$(find /var/cache/apparmor -type f | wc -l) compiled-this-boot=$(find /var/cache/apparmor -type f -newermt @$b | wc -l)"';
  const r = await cli(['shell', '--kernel', 'debian-6.12', '--stack', 'apparmor', '--exec', count]);
  expect(r.exitCode, String(r.all).slice(-3000)).toBe(0);
  const m = /files=(\d+) compiled-this-boot=(\d+)/.exec(String(r.stdout));
  expect(m, String(r.stdout)).not.toBeNull();
  expect(Number(m![1])).toBeGreaterThan(0);
  expect(Number(m![2])).toBe(0);
}, 20 * 60_000);

test('shell --exec exits with the command\'s status', async () => {
  const r = await cli(['shell', '--kernel', 'debian-6.12', '--stack', 'apparmor', '--exec', 'cat /sys/kernel/security/lsm; exit 3']);
  expect(r.exitCode).toBe(3);
  expect(String(r.stdout)).toMatch(/apparmor/);
  await rm(dir, { recursive: true, force: true });
}, 20 * 60_000);
