// Source: docker-seccomp-and-apparmor-exercises.txt (AppArmor part): a
// profile generated from bane's TOML (read-only paths, writable paths,
// allowed/denied exec, capabilities, network), loaded, and enforced on a
// container started with --security-opt apparmor=docker-<Name>.
import { readFile } from 'node:fs/promises';
import { assert, busyboxRootfsTar, test, type Requirements } from '../../harness/scenario/api.ts';
import { ensureDocker } from './_docker.ts';
import { baneProfile, parseBane } from './_bane.ts';

export const requirements: Requirements = { lsm: ['apparmor'], tools: ['docker', 'apparmor_parser'] };

const IMAGE = 'lsmm/busybox-shell';
let profile = '';

test('setup: docker, an image with a second shell, the profile from TOML loaded', async ({ guest }) => {
  await ensureDocker(guest);
  // A separate copy of busybox at /usr/local/bin/sh: the shell DenyExec names.
  const tar = await busyboxRootfsTar([{ path: 'usr/local/bin/sh', data: await readFile('/bin/busybox'), mode: 0o755 }]);
  await guest.put('/tmp/lsmm-busybox-shell.tar', tar);
  await guest.must`docker import /tmp/lsmm-busybox-shell.tar ${IMAGE}`;
  const spec = parseBane(await readFile(new URL('./profiles/sample.toml', import.meta.url), 'utf8'));
  profile = spec.name;
  const r = await guest.run('apparmor_parser -r', { stdin: baneProfile(spec) });
  assert.equal(r.exitCode, 0, `apparmor_parser refused the generated profile: ${r.stderr}`);
});

const run = (guest: any, cmd: string[]) => guest.$`docker run --rm --network none --security-opt ${`apparmor=${profile}`} ${IMAGE} ${cmd}`;

test('the container runs under the generated profile', async ({ guest }) => {
  const r = await run(guest, ['cat', '/proc/self/attr/current']);
  assert.equal(r.exitCode, 0, r.stderr);
  assert.equal(r.text.replace(/\0/g, ''), `${profile} (enforce)`);
});

test('exec of the denied shell is refused', async ({ guest }) => {
  // The confined container process makes the exec: runc's own exec of the
  // container command is checked against runc's label, not the profile's.
  const r = await run(guest, ['sh', '-c', '/usr/local/bin/sh -c "echo ran"; echo "exit=$?"']);
  assert.doesNotMatch(r.stdout, /^ran$/m, 'the denied shell ran');
  assert.match(r.stdout + r.stderr, /Permission denied|exit=126/);
  const allowed = await run(guest, ['sh', '-c', 'echo ran']);
  assert.equal(allowed.text, 'ran', 'the allowed busybox shell did not run');
});

test('a writable path can be written; a read-only one cannot', async ({ guest }) => {
  const ok = await run(guest, ['sh', '-c', 'echo x > /var/tmp/f && echo wrote']);
  assert.equal(ok.text, 'wrote', ok.stderr);
  const ro = await run(guest, ['sh', '-c', 'echo x > /tmp/f']);
  assert.notEqual(ro.exitCode, 0, 'wrote to a read-only path');
  assert.match(ro.stderr, /Permission denied/);
});

test('raw network sockets are denied', async ({ guest }) => {
  const r = await run(guest, ['ping', '-c', '1', '-W', '1', '127.0.0.1']);
  assert.notEqual(r.exitCode, 0, 'ping (a raw socket) worked');
  const unconfined = await guest.$`docker run --rm --network none --security-opt apparmor=unconfined ${IMAGE} ping -c 1 -W 1 127.0.0.1`;
  assert.equal(unconfined.exitCode, 0, `ping fails even unconfined, so the test proves nothing: ${unconfined.stderr}`);
});
