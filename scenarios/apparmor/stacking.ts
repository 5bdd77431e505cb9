// Source: lsm-stacking-containers-guide.txt, "apparmor host, apparmor
// container" (Host policy applied to container: `&:NS:unconfined` and
// `HOST_PROFILE//&:NS:unconfined`), "bounding apparmor policy via apparmor
// policy stacking"; apparmor-technical-overview.txt: a stack's permissions
// are the intersection of its profiles'.
import { assert, test, type Requirements } from '../../harness/scenario/api.ts';
import { NS_ROOT, allowAll, denyHostname, loadProfile, spawn } from './_helpers.ts';

export const requirements: Requirements = { lsm: ['apparmor'], tools: ['aa-exec', 'apparmor_parser'], features: ['apparmor.policyNamespaces', 'apparmor.stacking'] };

const NS = 'lsmm_stack';

test('setup: namespace and host profiles', async ({ guest }) => {
  await guest.must`mkdir -p ${`${NS_ROOT}/${NS}`}`;
  assert.equal((await loadProfile(guest, 'lsmm_host_deny', denyHostname('lsmm_host_deny'))).exitCode, 0);
  assert.equal((await loadProfile(guest, 'lsmm_host_allow', allowAll('lsmm_host_allow'))).exitCode, 0);
  assert.equal((await loadProfile(guest, 'lsmm_ns_deny', denyHostname('lsmm_ns_deny'), ['-n', NS])).exitCode, 0);
});

test('&:NS:unconfined adds a bounding namespace stack', async ({ guest }) => {
  const pid = await spawn(guest, `exec aa-exec -p 'lsmm_host_allow' -- aa-exec -p '&:${NS}:unconfined' -- sleep 300`);
  await guest.$`sleep 0.5`;
  assert.equal(await guest.labelOf(pid), `lsmm_host_allow//&:${NS}:unconfined (enforce)`);
  await guest.$`kill ${pid}`;
});

test('HOST//&:NS:unconfined sets the host profile and the stack at once', async ({ guest }) => {
  const pid = await spawn(guest, `exec aa-exec -p 'lsmm_host_allow//&:${NS}:unconfined' -- sleep 300`);
  await guest.$`sleep 0.5`;
  assert.equal(await guest.labelOf(pid), `lsmm_host_allow//&:${NS}:unconfined (enforce)`);
  await guest.$`kill ${pid}`;
});

test('denied by the host profile stays denied though the namespace allows it', async ({ guest }) => {
  const r = await guest.$`aa-exec -p ${`lsmm_host_deny//&:${NS}:unconfined`} -- cat /etc/hostname`;
  assert.notEqual(r.exitCode, 0, 'the stack allowed what the host profile denies');
  assert.match(r.stderr, /Permission denied/);
});

test('denied by the namespace profile stays denied though the host allows it', async ({ guest }) => {
  const r = await guest.$`aa-exec -p ${`lsmm_host_allow//&:${NS}:lsmm_ns_deny`} -- cat /etc/hostname`;
  assert.notEqual(r.exitCode, 0, 'the stack allowed what the namespace profile denies');
  assert.match(r.stderr, /Permission denied/);
});

test('allowed by both is allowed', async ({ guest }) => {
  const r = await guest.$`aa-exec -p ${`lsmm_host_allow//&:${NS}:unconfined`} -- cat /etc/hostname`;
  assert.equal(r.exitCode, 0, r.stderr);
});
