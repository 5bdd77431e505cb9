// Source: docker-seccomp-and-apparmor-exercises.txt (seccomp part): the
// default profile, a deny-all profile, a profile that makes mkdir and chmod
// fail with EPERM, and the strict-mode / libseccomp filter programs.
import { assert, test, type Requirements } from '../../harness/scenario/api.ts';
import { ensureDocker, IMAGE } from '../docker/_docker.ts';
import { compileStatic } from '../../harness/guest/programs.ts';

export const requirements: Requirements = { tools: ['docker'], kernelConfig: ['CONFIG_SECCOMP_FILTER'] };

test('setup: docker running', async ({ guest }) => {
  await ensureDocker(guest);
});

test('the default profile filters the container (Seccomp: 2)', async ({ guest }) => {
  const r = await guest.$`docker run --rm --network none ${IMAGE} grep Seccomp: /proc/self/status`;
  assert.equal(r.exitCode, 0, r.stderr);
  assert.match(r.stdout, /^Seccomp:\s+2$/m);
});

test('a deny-all profile: the container cannot start', async ({ guest }) => {
  await guest.put('/tmp/deny-all.json', JSON.stringify({ defaultAction: 'SCMP_ACT_ERRNO', architectures: ['SCMP_ARCH_X86_64'], syscalls: [] }));
  const r = await guest.$`docker run --rm --network none --security-opt seccomp=/tmp/deny-all.json ${IMAGE} true`;
  assert.notEqual(r.exitCode, 0, 'a container ran with every syscall denied');
});

test('a profile denying mkdir and chmod: both fail with Operation not permitted', async ({ guest }) => {
  const profile = {
    defaultAction: 'SCMP_ACT_ALLOW',
    architectures: ['SCMP_ARCH_X86_64'],
    syscalls: [{ names: ['mkdir', 'mkdirat', 'chmod', 'fchmod', 'fchmodat', 'fchmodat2'], action: 'SCMP_ACT_ERRNO' }],
  };
  await guest.put('/tmp/no-mkdir-chmod.json', JSON.stringify(profile));
  const mk = await guest.$`docker run --rm --network none --security-opt seccomp=/tmp/no-mkdir-chmod.json ${IMAGE} mkdir /tmp/x`;
  assert.notEqual(mk.exitCode, 0);
  assert.match(mk.stderr, /Operation not permitted/);
  const ch = await guest.$`docker run --rm --network none --security-opt seccomp=/tmp/no-mkdir-chmod.json ${IMAGE} chmod 700 /tmp`;
  assert.notEqual(ch.exitCode, 0);
  assert.match(ch.stderr, /Operation not permitted/);
});

test('strict mode: the program is killed at open()', async ({ guest }) => {
  await guest.put('/tmp/strict', await compileStatic(new URL('./programs/strict.c', import.meta.url)), 0o755);
  const r = await guest.$`/tmp/strict`;
  assert.match(r.stdout, /strict mode on/);
  assert.doesNotMatch(r.stdout, /opened/);
  assert.equal(r.exitCode, 137, `expected SIGKILL (exit 137), got ${r.exitCode}`);
});

test('libseccomp filter: the denied syscall fails, the rest work', async ({ guest }) => {
  await guest.put('/tmp/filter', await compileStatic(new URL('./programs/filter.c', import.meta.url), ['-lseccomp']), 0o755);
  const r = await guest.$`/tmp/filter`;
  assert.equal(r.exitCode, 0, r.stderr);
  assert.match(r.stdout, /getpid allowed/);
  assert.match(r.stdout, /mkdir denied: Operation not permitted/);
});
