// Source: lsm-stacking-containers-guide.txt, "LXD / apparmor host, apparmor
// container" ("LXD natively supports using apparmor policy namespaces and
// policy bounded stacking") and "lxd" ("Lxd already supports creating
// apparmor child namespaces"). Offline: `lxd init --preseed` with a dir pool,
// and a container image the harness assembles from busybox plus the guest's
// own apparmor_parser.
import { assert, busyboxRootfsTar, test, type Guest, type Requirements, type Support } from '../../harness/scenario/api.ts';

export const requirements: Requirements = {
  lsm: ['apparmor'], tools: ['lxd', 'lxc', 'apparmor_parser'],
  kernelConfig: ['CONFIG_USER_NS'], features: ['apparmor.policyNamespaces', 'apparmor.stacking'],
};
export const support: Support = { technology: 'LXD', situation: 'apparmor host, apparmor container' };

const C = 'lsmm1';
const NS = `lxd-${C}_<var-lib-lxd>`;
const NSDIR = `/sys/kernel/security/apparmor/policy/namespaces/${NS}`;

const PRESEED = `storage_pools:
- name: default
  driver: dir
profiles:
- name: default
  devices:
    root:
      path: /
      pool: default
      type: disk
`;

const INIT = '#!/bin/sh\n# Stays up until the container is stopped.\nwhile :; do sleep 3600; done\n';

async function inside(guest: Guest, cmd: string) {
  return guest.run(`lxc exec ${C} -- sh -c '${cmd.replace(/'/g, `'\\''`)}'`, { timeoutMs: 180_000 });
}

test('setup: LXD initialised offline, image imported, container launched', async ({ guest }) => {
  const start = await guest.run('systemctl start lxd.socket lxd.service && lxd waitready --timeout=300', { timeoutMs: 360_000 });
  assert.equal(start.exitCode, 0, `lxd did not start: ${start.stderr}`);
  const init = await guest.run('lxd init --preseed', { stdin: PRESEED });
  assert.equal(init.exitCode, 0, `lxd init --preseed: ${init.stderr}`);
  // Rootfs: busybox, an init that stays up, and apparmor_parser with its libraries,
  // config and the policy-features file Debian's parser.conf pins.
  await guest.put('/tmp/lsmm-rootfs.tar', await busyboxRootfsTar([{ path: 'sbin/init', data: INIT, mode: 0o755 }]));
  await guest.must`rm -rf /tmp/lxdimg && mkdir -p /tmp/lxdimg/rootfs/sbin /tmp/lxdimg/rootfs/etc/apparmor`;
  await guest.must`tar -C /tmp/lxdimg/rootfs -xf /tmp/lsmm-rootfs.tar`;
  await guest.must`sh -c ${'p=$(command -v apparmor_parser); cp "$p" /tmp/lxdimg/rootfs/sbin/apparmor_parser; for l in $(ldd "$p" | grep -o "/[^ ]*"); do mkdir -p /tmp/lxdimg/rootfs$(dirname $l); cp -L $l /tmp/lxdimg/rootfs$l; done; cp /etc/apparmor/parser.conf /tmp/lxdimg/rootfs/etc/apparmor/ 2>/dev/null; mkdir -p /tmp/lxdimg/rootfs/usr/share; cp -a /usr/share/apparmor-features /tmp/lxdimg/rootfs/usr/share/ 2>/dev/null || true'}`;
  await guest.put('/tmp/lxdimg/metadata.yaml', `architecture: x86_64\ncreation_date: ${Math.floor(Date.now() / 1000)}\nproperties:\n  description: lsm-matrix busybox with apparmor_parser\n  os: busybox\n  release: "1"\n`);
  await guest.must`tar -C /tmp/lxdimg -czf /tmp/lsmm-lxd.tar.gz metadata.yaml rootfs`;
  const imp = await guest.run('lxc image import /tmp/lsmm-lxd.tar.gz --alias lsmm', { timeoutMs: 300_000 });
  assert.equal(imp.exitCode, 0, `lxc image import: ${imp.stderr}`);
  const launch = await guest.run(`lxc launch lsmm ${C}`, { timeoutMs: 600_000 });
  assert.equal(launch.exitCode, 0, `lxc launch: ${launch.stderr}`);
}, 30 * 60_000);

test('LXD created its own policy namespace for the container', async ({ guest }) => {
  assert.equal((await guest.$`test -d ${NSDIR} && echo yes`).text, 'yes', `no ${NSDIR}: ${(await guest.$`ls /sys/kernel/security/apparmor/policy/namespaces/`).stdout}`);
});

test('the container init is bounded by a host profile stacked with the namespace (read from the host)', async ({ guest }) => {
  const pid = (await guest.$`lxc query ${`/1.0/instances/${C}/state`}`).stdout.match(/"pid":\s*(\d+)/)?.[1];
  assert.ok(pid, 'no init pid for the container');
  assert.equal(await guest.labelOf(pid), `lxd-${C}_</var/lib/lxd>//&:${NS}:unconfined (enforce)`);
});

test('inside, a task sees itself as unconfined', async ({ guest }) => {
  const r = await inside(guest, 'cat /proc/self/attr/current');
  assert.equal(r.text.replace(/\0/g, ''), 'unconfined', r.stderr);
});

test('a profile loaded inside lands in the container\'s namespace and is enforced there only', async ({ guest }) => {
  const load = await guest.run(`lxc exec ${C} -- sh -c 'cat > /tmp/lsmm_deny && apparmor_parser -r /tmp/lsmm_deny'`, { stdin: 'profile lsmm_deny {\n  file,\n  deny /etc/passwd r,\n}\n', timeoutMs: 180_000 });
  assert.equal(load.exitCode, 0, `apparmor_parser inside the container: ${load.stderr}`);
  assert.match((await guest.$`sh -c ${`cat '${NSDIR}'/profiles/*/name`}`).stdout, /^lsmm_deny$/m, 'the profile is not in the container namespace');
  const denied = await inside(guest, 'echo "exec lsmm_deny" > /proc/self/attr/exec && exec cat /etc/passwd');
  assert.notEqual(denied.exitCode, 0, 'the profile did not deny /etc/passwd inside');
  assert.equal((await inside(guest, 'cat /etc/passwd')).exitCode, 0, 'the file is unreadable even without the profile');
  assert.match(denied.stderr, /Permission denied/);
  assert.equal((await guest.$`cat /etc/passwd`).exitCode, 0, 'the host was affected');
  assert.doesNotMatch((await guest.$`cat /sys/kernel/security/apparmor/profiles`).stdout, /^lsmm_deny /m, 'the profile leaked into the root namespace');
});
