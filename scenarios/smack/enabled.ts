// Source: lsm-stacking-containers-guide.txt, "Smack": smackfs, the task's
// Smack label, and a rule loaded through smackfs that the kernel enforces.
import { assert, test, type Requirements } from '../../harness/scenario/api.ts';
import { SMACKFS, currentLabel, labelFile, loadRule, readAs } from './_smack.ts';

export const requirements: Requirements = { lsm: ['smack'], tools: ['python3', 'setpriv'] };

test('smackfs is mounted with its policy interface', async ({ guest }) => {
  assert.match((await guest.$`grep -w smackfs /proc/mounts`).stdout, new RegExp(`${SMACKFS} smackfs`));
  const ls = (await guest.must`ls ${SMACKFS}`).stdout;
  for (const f of ['load2', 'access2', 'onlycap', 'ambient']) assert.match(ls, new RegExp(`^${f}$`, 'm'), `${SMACKFS}/${f} missing`);
});

test('the task has a Smack label in /proc/self/attr/smack/current', async ({ guest }) => {
  const label = await currentLabel(guest);
  assert.ok(label.length > 0, 'empty Smack label');
});

test('a rule loaded through smackfs is enforced (on a task without CAP_MAC_OVERRIDE)', async ({ guest }) => {
  await guest.must`sh -c ${'echo secret > /tmp/lsmm_smack_obj'}`;
  await labelFile(guest, '/tmp/lsmm_smack_obj', 'lsmm_obj');
  assert.notEqual(await readAs(guest, 'lsmm_subj', '/tmp/lsmm_smack_obj'), 0, 'lsmm_subj read an lsmm_obj file with no rule allowing it');
  await loadRule(guest, 'lsmm_subj', 'lsmm_obj', 'r');
  assert.equal(await readAs(guest, 'lsmm_subj', '/tmp/lsmm_smack_obj'), 0, 'the loaded rule "lsmm_subj lsmm_obj r" did not allow the read');
});
