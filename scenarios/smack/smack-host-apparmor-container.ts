// Source: lsm-stacking-containers-guide.txt, "Docker / smack host, apparmor
// container": the host runs Smack as its major LSM and the container is
// confined by AppArmor, which needs both active. The guide's ways to reach
// AppArmor from a Smack host: `lsm-exec -l apparmor`, `aa-exec --setlsm`, or
// writing the display LSM (/proc/self/attr/display).
import { assert, test, type Requirements, type Support } from '../../harness/scenario/api.ts';
import { ensureDocker, runDetached } from '../docker/_docker.ts';

export const requirements: Requirements = {
  lsm: ['smack', 'apparmor'], tools: ['docker'], features: ['attr.display'],
};
export const support: Support = { technology: 'Docker', situation: 'smack host, apparmor container' };

test('setup: docker running, busybox image imported', async ({ guest }) => {
  await ensureDocker(guest);
});

test('the display LSM can be switched to apparmor', async ({ guest }) => {
  const r = await guest.run(`sh -c 'echo apparmor > /proc/self/attr/display && cat /proc/self/attr/current'`);
  assert.equal(r.exitCode, 0, `writing /proc/self/attr/display failed: ${r.stderr.trim()}`);
  assert.match(r.text.replace(/\0/g, ''), /unconfined|\(enforce\)|\(complain\)/);
});

test('the container is confined by AppArmor while the host keeps its Smack label', async ({ guest }) => {
  const c = await runDetached(guest, ['--security-opt', 'apparmor=docker-default'], ['sleep', '300']);
  const aa = await guest.$`cat ${`/proc/${c.pid}/attr/apparmor/current`}`;
  assert.equal(aa.text.replace(/\0/g, ''), 'docker-default (enforce)');
  const smack = await guest.$`cat ${`/proc/${c.pid}/attr/smack/current`}`;
  assert.equal(smack.exitCode, 0, smack.stderr);
  await guest.$`docker rm -f ${c.id}`;
});
