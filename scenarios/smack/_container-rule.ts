// Shared body of the guide's two "smack container" situations: Smack has no
// policy namespaces, so the only policy a container can load is the host's.
import { assert, test } from '../../harness/scenario/api.ts';
import { ensureDocker, IMAGE } from '../docker/_docker.ts';
import { SMACKFS, hasRule } from './_smack.ts';

export function containerRuleTests(tag: string): void {
  test('setup: docker running, busybox image imported', async ({ guest }) => {
    await ensureDocker(guest);
  });

  test('without CAP_MAC_ADMIN a container cannot load Smack policy', async ({ guest }) => {
    const r = await guest.$`docker run --rm --network none -v ${`${SMACKFS}:/smackfs`} ${IMAGE} sh -c ${`echo '${tag}_c ${tag}_h r' > /smackfs/load2`}`;
    assert.notEqual(r.exitCode, 0, 'a container without CAP_MAC_ADMIN loaded a Smack rule');
    assert.equal(await hasRule(guest, `${tag}_c`, `${tag}_h`), false);
  });

  test('a rule a container loads is the host\'s rule: Smack has no namespaces', async ({ guest, limitation }) => {
    const r = await guest.$`docker run --rm --network none --cap-add MAC_ADMIN -v ${`${SMACKFS}:/smackfs`} ${IMAGE} sh -c ${`echo '${tag}_c ${tag}_h rwx' > /smackfs/load2`}`;
    assert.equal(r.exitCode, 0, `the container could not write load2 (exit ${r.exitCode}): ${(r.stderr + r.stdout).trim() || 'no output'}`);
    assert.equal(await hasRule(guest, `${tag}_c`, `${tag}_h`), true, 'the rule the container loaded is not in the host\'s rule list');
    const ns = await guest.$`ls /proc/self/ns`;
    assert.doesNotMatch(ns.stdout, /smack/i);
    limitation(`a Smack rule loaded inside a container (\`${tag}_c ${tag}_h rwx\`) appears in the host's ${SMACKFS}/load2: Smack has no policy namespace, a container's Smack policy is the host's`);
  });
}
