// Source: lsm-stacking-containers-guide.txt, "AppArmor Policy namespaces"
// (creating via the fs interface), "starting the container in the policy
// namespace" (aa-exec, writing /proc/self/attr/exec) and "Failures and
// Issues" (can't create policy ns / policy fails to load / can't transition).
import { assert, shellQuote, test, type Guest, type Requirements } from '../../harness/scenario/api.ts';

export const requirements: Requirements = { lsm: ['apparmor'], tools: ['aa-exec', 'apparmor_parser'], features: ['apparmor.policyNamespaces'] };

const NS = 'lsmm_ns';
const NSDIR = `/sys/kernel/security/apparmor/policy/namespaces/${NS}`;
const DENY = `profile lsmm_deny {\n  file,\n  deny /etc/hostname r,\n}\n`;

/** Start a long-lived task with `cmd` and return its pid (read from outside later). */
const spawn = async (guest: Guest, cmd: string) =>
  (await guest.run(`setsid sh -c ${shellQuote(cmd)} >/dev/null 2>&1 < /dev/null & echo $!`)).text;

test('mkdir in policy/namespaces creates a namespace', async ({ guest }) => {
  const r = await guest.$`mkdir ${NSDIR}`;
  assert.equal(r.exitCode, 0, `can't create policy ns: ${r.stderr.trim()} (guide: apparmor not enabled / policy interface not mounted / no authority)`);
  assert.equal((await guest.$`test -d ${NSDIR} && echo yes`).text, 'yes');
});

test('aa-exec -p :NS:unconfined puts a task in the namespace', async ({ guest }) => {
  const pid = await spawn(guest, `exec aa-exec -p :${NS}:unconfined -- sleep 300`);
  await guest.$`sleep 0.5`;
  assert.equal(await guest.labelOf(pid), `:${NS}:unconfined`);
  // Inside, the task sees only its own namespace's view.
  const inside = await guest.$`aa-exec -p ${`:${NS}:unconfined`} -- cat /proc/self/attr/current`;
  assert.equal(inside.text.replace(/\0/g, ''), 'unconfined');
  await guest.$`kill ${pid}`;
});

test('writing "exec :NS:unconfined" to /proc/self/attr/exec enters at the next exec', async ({ guest }) => {
  const pid = await spawn(guest, `echo "exec :${NS}:unconfined" > /proc/self/attr/exec && exec sleep 300`);
  await guest.$`sleep 0.5`;
  assert.equal(await guest.labelOf(pid), `:${NS}:unconfined`);
  await guest.$`kill ${pid}`;
});

test('a profile loaded into the namespace is enforced inside and unknown outside', async ({ guest }) => {
  await guest.put('/tmp/lsmm_deny', DENY);
  const load = await guest.$`apparmor_parser -r -n ${NS} /tmp/lsmm_deny`;
  assert.equal(load.exitCode, 0, `policy fails to load: ${load.stderr.trim()}`);
  assert.match((await guest.$`cat ${NSDIR}/profiles/*/name`).stdout, /^lsmm_deny$/m);
  const inside = await guest.$`aa-exec -p ${`:${NS}:lsmm_deny`} -- cat /etc/hostname`;
  assert.notEqual(inside.exitCode, 0, 'the namespace profile did not deny /etc/hostname');
  assert.match(inside.stderr, /Permission denied/);
  const host = await guest.$`cat /etc/hostname`;
  assert.equal(host.exitCode, 0, 'the host was affected by the namespace profile');
  const outside = await guest.$`aa-exec -p lsmm_deny -- true`;
  assert.notEqual(outside.exitCode, 0, 'lsmm_deny exists in the root namespace too');
});

test('a :NS:name profile header loads into the namespace', async ({ guest }) => {
  await guest.put('/tmp/lsmm_named', `profile :${NS}:lsmm_named {\n  file,\n  deny /etc/hostname r,\n}\n`);
  assert.equal((await guest.$`apparmor_parser -r /tmp/lsmm_named`).exitCode, 0);
  const r = await guest.$`aa-exec -p ${`:${NS}:lsmm_named`} -- cat /etc/hostname`;
  assert.match(r.stderr, /Permission denied/);
});

test('rmdir removes the namespace and its profiles', async ({ guest }) => {
  const r = await guest.$`rmdir ${NSDIR}`;
  assert.equal(r.exitCode, 0, r.stderr);
  assert.equal((await guest.$`test -e ${NSDIR} || echo gone`).text, 'gone');
});
