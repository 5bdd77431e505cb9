// The LSM syscalls (Linux 6.8+): what a stack of LSMs tells user space about
// itself. A kernel carrying stacking patches must keep these consistent with
// the older interfaces, which is what each test compares, in the guest:
// lsm_list_modules against /sys/kernel/security/lsm, lsm_get_self_attr
// against /proc/self/attr/<lsm>/current read by the same process, unconfined
// and under an AppArmor profile. (The kernel's own selftests,
// tools/testing/selftests/lsm, check the same ABI on a running system.)
import { assert, test, type Guest, type Requirements } from '../../harness/scenario/api.ts';
import { compileStatic } from '../../harness/guest/programs.ts';
import { allowAll, loadProfile } from '../apparmor/_helpers.ts';

export const requirements: Requirements = { features: ['lsmSyscalls'] };

// include/uapi/linux/lsm.h
const LSM_IDS: Record<number, string> = {
  100: 'capability', 101: 'selinux', 102: 'smack', 103: 'tomoyo', 104: 'apparmor', 105: 'yama', 106: 'loadpin',
  107: 'safesetid', 108: 'lockdown', 109: 'bpf', 110: 'landlock', 111: 'ima', 112: 'evm', 113: 'ipe',
};
const E2BIG = 7;
const EOPNOTSUPP = 95;
const PROGRAM = '/tmp/lsm-syscalls';

const program = () => compileStatic(new URL('./programs/lsm-syscalls.c', import.meta.url));

/** `current`'s output: the syscall's entries by LSM name, and the procfs files the same process read. */
function parseCurrent(out: string): { errno?: number; syscall: Map<string, string>; proc: Map<string, string> } {
  const syscall = new Map<string, string>();
  const proc = new Map<string, string>();
  const lines = out.split('\n').filter(Boolean);
  const err = /^error (\d+)$/.exec(lines[0] ?? '');
  for (const l of lines) {
    const p = /^proc\t(\w+)\t(.*)$/.exec(l);
    if (p) proc.set(p[1]!, p[2]!);
    const s = /^(\d+)\t(.*)$/.exec(l);
    if (s) syscall.set(LSM_IDS[Number(s[1])] ?? `id ${s[1]}`, s[2]!);
  }
  return { ...(err ? { errno: Number(err[1]) } : {}), syscall, proc };
}

async function current(guest: Guest, prefix = '') {
  const r = await guest.run(`${prefix}${PROGRAM} current`);
  return parseCurrent(r.stdout);
}

test('setup: the test program is in the guest', async ({ guest }) => {
  await guest.put(PROGRAM, await program(), 0o755);
  assert.equal((await guest.run(`${PROGRAM} list`)).exitCode, 0);
});

test('lsm_list_modules names the LSMs /sys/kernel/security/lsm lists, in its order', async ({ guest }) => {
  const r = await guest.run(`${PROGRAM} list`);
  assert.equal(r.exitCode, 0, `lsm_list_modules failed: ${r.stdout}${r.stderr}`);
  const ids = r.stdout.split('\n').filter((l) => /^\d+$/.test(l)).map(Number);
  const names = ids.map((id) => LSM_IDS[id] ?? `unknown id ${id}`);
  const listed = (await guest.$`cat /sys/kernel/security/lsm`).text.split(',').filter(Boolean);
  assert.deepEqual(names, listed, `lsm_list_modules: ${names.join(',')}; securityfs: ${listed.join(',')}`);
  assert.match(r.stdout, new RegExp(`^count ${ids.length} size ${ids.length * 8}$`, 'm'));
});

test('lsm_list_modules with too small a buffer: E2BIG and the size it needs', async ({ guest }) => {
  const r = await guest.run(`${PROGRAM} list`);
  const probe = /^probe ret (-?\d+) errno (\d+) size (\d+)$/m.exec(r.stdout);
  assert.ok(probe, `no probe line in ${JSON.stringify(r.stdout)}`);
  const count = r.stdout.split('\n').filter((l) => /^\d+$/.test(l)).length;
  assert.deepEqual({ ret: Number(probe[1]), errno: Number(probe[2]), size: Number(probe[3]) }, { ret: -1, errno: E2BIG, size: count * 8 });
});

test('lsm_get_self_attr(LSM_ATTR_CURRENT) agrees with /proc/self/attr/<lsm>/current', async ({ guest }) => {
  const c = await current(guest);
  const active = guest.facts.stack.active;
  if (c.errno !== undefined) {
    // No active LSM keeps a `current` attribute (capability, yama, landlock… only): that is the answer.
    assert.equal(c.errno, EOPNOTSUPP, `lsm_get_self_attr failed with errno ${c.errno}`);
    assert.ok(!active.some((l) => ['apparmor', 'smack', 'selinux'].includes(l)), `EOPNOTSUPP although ${active.join(',')} is active`);
    return;
  }
  for (const lsm of c.syscall.keys()) assert.ok(active.includes(lsm), `lsm_get_self_attr answered for ${lsm}, which is not active (${active.join(',')})`);
  for (const lsm of ['apparmor', 'smack'] as const) {
    if (!active.includes(lsm)) continue;
    assert.ok(c.syscall.has(lsm), `${lsm} is active but lsm_get_self_attr has no entry for it`);
    assert.equal(c.syscall.get(lsm), c.proc.get(lsm), `${lsm}: syscall ${JSON.stringify(c.syscall.get(lsm))}, /proc/self/attr/${lsm}/current ${JSON.stringify(c.proc.get(lsm))}`);
  }
  // With one major LSM active, the shared /proc/self/attr/current is that LSM's.
  const majors = active.filter((l) => ['apparmor', 'smack', 'selinux'].includes(l));
  if (majors.length === 1) {
    const [only] = majors as [string];
    assert.equal(c.proc.get('current'), c.syscall.get(only), `/proc/self/attr/current ${JSON.stringify(c.proc.get('current'))}, ${only} through the syscall ${JSON.stringify(c.syscall.get(only))}`);
  }
});

test('under an AppArmor profile, lsm_get_self_attr reports that profile', async ({ guest, skip }) => {
  if (!guest.facts.stack.active.includes('apparmor')) skip(`AppArmor not active: active ${guest.facts.stack.active.join(',')}`);
  const loaded = await loadProfile(guest, 'lsmm_syscalls', allowAll('lsmm_syscalls'));
  assert.equal(loaded.exitCode, 0, loaded.stderr);
  const c = await current(guest, 'aa-exec -p lsmm_syscalls -- ');
  assert.equal(c.syscall.get('apparmor'), 'lsmm_syscalls (enforce)');
  assert.equal(c.proc.get('apparmor'), 'lsmm_syscalls (enforce)');
});
