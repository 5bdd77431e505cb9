// Source: lsm-stacking-containers-guide.txt, "Docker / smack & apparmor
// host, apparmor container": both LSMs active on the host, the container
// under docker-default, each LSM's label read from its own attr directory.
import { assert, test, type Requirements, type Support } from '../../harness/scenario/api.ts';
import { ensureDocker, runDetached } from '../docker/_docker.ts';

export const requirements: Requirements = { lsm: ['smack', 'apparmor'], tools: ['docker'] };
export const support: Support = { technology: 'Docker', situation: 'smack & apparmor host, apparmor container' };

test('setup: docker running, busybox image imported', async ({ guest }) => {
  await ensureDocker(guest);
});

test('the container has an AppArmor label and a Smack label', async ({ guest }) => {
  const c = await runDetached(guest, [], ['sleep', '300']);
  const aa = await guest.$`cat ${`/proc/${c.pid}/attr/apparmor/current`}`;
  assert.equal(aa.text.replace(/\0/g, ''), 'docker-default (enforce)');
  const smack = await guest.$`cat ${`/proc/${c.pid}/attr/smack/current`}`;
  assert.equal(smack.exitCode, 0, smack.stderr);
  assert.ok(smack.text.replace(/\0/g, '').length > 0);
  await guest.$`docker rm -f ${c.id}`;
});
