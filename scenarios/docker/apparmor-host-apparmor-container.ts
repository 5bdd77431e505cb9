// Source: lsm-stacking-containers-guide.txt, "Docker / apparmor host,
// apparmor container": "No host policy on container" (`:NS:unconfined`) and
// "Host policy applied to container" (`docker-default//&:NS:unconfined`),
// with policy loaded into the container's namespace from outside
// ("loading policy from outside the container").
import { assert, test, type Requirements, type Support } from '../../harness/scenario/api.ts';
import { NS_ROOT, denyHostname, loadProfile } from '../apparmor/_helpers.ts';
import { ensureDocker, runDetached, IMAGE } from './_docker.ts';

export const requirements: Requirements = {
  lsm: ['apparmor'], tools: ['docker', 'apparmor_parser'],
  features: ['apparmor.policyNamespaces', 'apparmor.stacking'],
};

export const support: Support = { technology: 'Docker', situation: 'apparmor host, apparmor container' };

const NS = 'lsmm_docker';

test('setup: docker running, busybox image imported, namespace created', async ({ guest }) => {
  await ensureDocker(guest);
  await guest.must`mkdir -p ${`${NS_ROOT}/${NS}`}`;
});

test('default: the container runs under docker-default (enforce)', async ({ guest }) => {
  const r = await guest.$`docker run --rm --network none ${IMAGE} cat /proc/self/attr/current`;
  assert.equal(r.exitCode, 0, r.stderr);
  assert.equal(r.text.replace(/\0/g, ''), 'docker-default (enforce)');
});

test('apparmor=unconfined: the container is unconfined', async ({ guest }) => {
  const r = await guest.$`docker run --rm --network none --security-opt apparmor=unconfined ${IMAGE} cat /proc/self/attr/current`;
  assert.equal(r.exitCode, 0, r.stderr);
  assert.equal(r.text.replace(/\0/g, ''), 'unconfined');
});

test('no host policy: apparmor=:NS:unconfined starts the container in the namespace', async ({ guest }) => {
  const c = await runDetached(guest, ['--security-opt', `apparmor=:${NS}:unconfined`], ['sleep', '300']);
  assert.equal(await guest.labelOf(c.pid), `:${NS}:unconfined`);
  const inside = await guest.$`docker exec ${c.id} cat /proc/self/attr/current`;
  assert.equal(inside.text.replace(/\0/g, ''), 'unconfined', 'inside its namespace a task sees itself as unconfined');
  await guest.$`docker rm -f ${c.id}`;
});

test('host policy applied: apparmor=docker-default//&:NS:unconfined bounds the container', async ({ guest }) => {
  const c = await runDetached(guest, ['--security-opt', `apparmor=docker-default//&:${NS}:unconfined`], ['sleep', '300']);
  assert.equal(await guest.labelOf(c.pid), `docker-default//&:${NS}:unconfined (enforce)`);
  await guest.$`docker rm -f ${c.id}`;
});

test('a profile loaded into the namespace is enforced in the container', async ({ guest }) => {
  assert.equal((await loadProfile(guest, 'lsmm_docker_deny', denyHostname('lsmm_docker_deny'), ['-n', NS])).exitCode, 0);
  const r = await guest.$`docker run --rm --network none --security-opt ${`apparmor=docker-default//&:${NS}:lsmm_docker_deny`} ${IMAGE} cat /etc/hostname`;
  assert.notEqual(r.exitCode, 0, 'the namespace profile did not deny /etc/hostname in the container');
  assert.match(r.stderr + r.stdout, /Permission denied/);
  const ok = await guest.$`docker run --rm --network none --security-opt ${`apparmor=docker-default//&:${NS}:unconfined`} ${IMAGE} cat /etc/hostname`;
  assert.equal(ok.exitCode, 0, `the same read without the namespace profile failed: ${ok.stderr}`);
});
