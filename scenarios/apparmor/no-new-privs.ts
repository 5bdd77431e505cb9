// Source: lsm-stacking-containers-guide.txt, "no-new-privs (nnp)":
// 3.5 transitions only while unconfined; 4.13 a transition to a strict
// subset or adding a stack element is allowed; 4.17 the confinement when nnp
// was set is recorded and later transitions must stay within it.
import { assert, test, type Requirements } from '../../harness/scenario/api.ts';
import { allowAll, loadProfile } from './_helpers.ts';

export const requirements: Requirements = { lsm: ['apparmor'], tools: ['aa-exec', 'apparmor_parser', 'setpriv'] };

test('setup: two unrelated profiles', async ({ guest }) => {
  assert.equal((await loadProfile(guest, 'lsmm_nnp_a', allowAll('lsmm_nnp_a'))).exitCode, 0);
  assert.equal((await loadProfile(guest, 'lsmm_nnp_b', allowAll('lsmm_nnp_b'))).exitCode, 0);
});

test('unconfined with nnp may still enter a profile', async ({ guest }) => {
  const r = await guest.$`setpriv --no-new-privs aa-exec -p lsmm_nnp_a -- cat /proc/self/attr/current`;
  assert.equal(r.exitCode, 0, r.stderr);
  assert.match(r.text, /^lsmm_nnp_a/);
});

test('confined with nnp may not change to an unrelated profile', async ({ guest }) => {
  const r = await guest.$`aa-exec -p lsmm_nnp_a -- setpriv --no-new-privs aa-exec -p lsmm_nnp_b -- cat /proc/self/attr/current`;
  assert.notEqual(r.exitCode, 0, `nnp allowed lsmm_nnp_a → lsmm_nnp_b: ${r.text}`);
  assert.match(r.stderr, /Operation not permitted|Permission denied/);
});

test('confined with nnp may add a stack element (a subset of its confinement)', async ({ guest }) => {
  const r = await guest.$`aa-exec -p lsmm_nnp_a -- setpriv --no-new-privs aa-exec -p ${'&lsmm_nnp_b'} -- cat /proc/self/attr/current`;
  assert.equal(r.exitCode, 0, r.stderr);
  assert.match(r.text, /^lsmm_nnp_a\/\/&lsmm_nnp_b/);
});

test('without nnp the same change is allowed (the refusal above is nnp\'s)', async ({ guest }) => {
  const r = await guest.$`aa-exec -p lsmm_nnp_a -- aa-exec -p lsmm_nnp_b -- cat /proc/self/attr/current`;
  assert.equal(r.exitCode, 0, r.stderr);
  assert.match(r.text, /^lsmm_nnp_b/);
});
