// Source: lsm-stacking-containers-guide.txt, "Ensuring apparmor is enabled"
// (apparmor userspace, low level interfaces, ensuring the securityfs
// filesystem is enabled).
import { assert, test, type Requirements } from '../../harness/scenario/api.ts';

export const requirements: Requirements = { lsm: ['apparmor'], tools: ['aa-enabled', 'apparmor_parser'] };

test('aa-enabled says Yes', async ({ guest }) => {
  const r = await guest.$`aa-enabled`;
  assert.equal(r.text, 'Yes', `aa-enabled printed ${JSON.stringify(r.stdout + r.stderr)}`);
});

test('aa-status reports the module loaded', async ({ guest }) => {
  const r = await guest.$`aa-status`;
  assert.match(r.stdout, /apparmor module is loaded\./);
});

test('module parameter enabled is Y', async ({ guest }) => {
  assert.equal((await guest.$`cat /sys/module/apparmor/parameters/enabled`).text, 'Y');
});

test('securityfs is mounted and has an apparmor directory', async ({ guest }) => {
  assert.match((await guest.$`grep -w securityfs /proc/mounts`).stdout, /\/sys\/kernel\/security securityfs/);
  const ls = await guest.$`ls /sys/kernel/security`;
  assert.match(ls.stdout, /^apparmor$/m);
  assert.equal((await guest.$`cat /sys/kernel/security/apparmor/profiles >/dev/null && echo readable`).text, 'readable');
});

test('without securityfs there is no policy interface; mounting it lets policy load', async ({ guest }) => {
  // A private mount namespace stands for a host where securityfs was never mounted.
  const profile = 'profile lsmm_enabled_probe { file, }\n';
  await guest.put('/tmp/lsmm_enabled_probe', profile);
  const r = await guest.run(`unshare -m sh -c '
    umount /sys/kernel/security || exit 10
    [ -e /sys/kernel/security/apparmor ] && exit 11
    apparmor_parser -r /tmp/lsmm_enabled_probe 2>&1 && exit 12
    mount -t securityfs securityfs /sys/kernel/security || exit 13
    apparmor_parser -r /tmp/lsmm_enabled_probe || exit 14
    grep -q "^lsmm_enabled_probe " /sys/kernel/security/apparmor/profiles || exit 15
    echo loaded'`);
  assert.equal(r.text.split('\n').at(-1), 'loaded', `step failed with exit ${r.exitCode}: ${r.stdout} ${r.stderr}`);
  await guest.$`apparmor_parser -R /tmp/lsmm_enabled_probe`;
});
