// Source: lsm-stacking-containers-guide.txt, "snappy" ("snappy will use
// apparmor policy if it is available"; "Snappy applications don't load their
// own policy, snapd does it for them"; "can be used on distros that don't use
// apparmor as the default major lsm / need the display lsm set").
// Offline: a base snap and a `type: snapd` snap made from the guest's own
// snapd, so the store is never asked (the guest has no network at all).
import { assert, busyboxRootfsTar, test, type Guest, type Requirements, type Support } from '../../harness/scenario/api.ts';

export const requirements: Requirements = { tools: ['snap', 'mksquashfs'], kernelConfig: ['CONFIG_SQUASHFS'] };
export const support: Support = { technology: 'snappy', situation: 'apparmor host, apparmor container' };

const BASE_DIRS = 'dev etc home lib lib64 media mnt opt proc root run snap srv sys tmp usr/lib/snapd usr/src var/lib/snapd var/lib/extrausers var/log var/snap var/tmp writable lib/modules lib/firmware';

const APP_YAML = `name: lsmm-hello
version: '1'
summary: lsm-matrix probe app
description: reports its own confinement
base: lsmm-base
confinement: strict
apps:
  report:
    command: bin/report
  sleeper:
    command: bin/sleeper
`;

const REPORT = `#!/bin/sh
grep -E '^(Seccomp|NoNewPrivs):' /proc/self/status
echo "pid=$$"
`;

// snap's binaries live in /snap/bin, which a non-login SSH command does not have in PATH.
const apparmorActive = (guest: Guest) => guest.facts.stack.active.includes('apparmor');

test('setup: snapd running, a base snap, a snapd snap from local files, then the app', async ({ guest }) => {
  const start = await guest.run('systemctl start snapd.apparmor.service snapd.socket snapd.service && snap wait system seed.loaded', { timeoutMs: 300_000 });
  assert.equal(start.exitCode, 0, `snapd did not start: ${start.stderr}`);
  // Base snap: busybox plus the mount points snapd expects.
  await guest.put('/tmp/lsmm-rootfs.tar', await busyboxRootfsTar());
  await guest.must`rm -rf /tmp/snaps && mkdir -p /tmp/snaps/base/meta /tmp/snaps/snapd/meta /tmp/snaps/app/meta /tmp/snaps/app/bin /tmp/snaps/out`;
  await guest.must`tar -C /tmp/snaps/base -xf /tmp/lsmm-rootfs.tar bin`;
  await guest.run(`cd /tmp/snaps/base && mkdir -p ${BASE_DIRS}`);
  await guest.put('/tmp/snaps/base/meta/snap.yaml', "name: lsmm-base\nversion: '1'\nsummary: busybox base\ndescription: lsm-matrix base\ntype: base\n");
  // snapd snap: the guest's own snapd, so nothing comes from the store.
  await guest.must`sh -c ${`mkdir -p /tmp/snaps/snapd/usr/lib /tmp/snaps/snapd/usr/bin /tmp/snaps/snapd/etc/apparmor.d && cp -a /usr/lib/snapd /tmp/snaps/snapd/usr/lib/ && cp -a /usr/bin/snap /tmp/snaps/snapd/usr/bin/ && cp /etc/apparmor.d/usr.lib.snapd.snap-confine.real /tmp/snaps/snapd/etc/apparmor.d/usr.lib.snapd.snap-confine`}`;
  const ver = (await guest.$`dpkg-query -W -f=${'${Version}'} snapd`).text.replace(/[^0-9.]/g, '.').replace(/\.+/g, '.').replace(/\.$/, '');
  await guest.put('/tmp/snaps/snapd/meta/snap.yaml', `name: snapd\nversion: '${ver}'\nsummary: snapd from the guest's package\ndescription: local\ntype: snapd\n`);
  await guest.put('/tmp/snaps/app/meta/snap.yaml', APP_YAML);
  await guest.put('/tmp/snaps/app/bin/report', REPORT, 0o755);
  await guest.put('/tmp/snaps/app/bin/sleeper', '#!/bin/sh\nexec sleep 300\n', 0o755);
  for (const s of ['base', 'snapd', 'app']) {
    const p = await guest.run(`snap pack --compression=lzo /tmp/snaps/${s} /tmp/snaps/out`, { timeoutMs: 300_000 });
    assert.equal(p.exitCode, 0, `snap pack ${s}: ${p.stderr}`);
  }
  for (const s of ['lsmm-base_1_all.snap', `snapd_${ver}_all.snap`, 'lsmm-hello_1_all.snap']) {
    const file = (await guest.$`sh -c ${`ls /tmp/snaps/out/${s.split('_')[0]}_*.snap`}`).text;
    const i = await guest.run(`snap install --dangerous ${file}`, { timeoutMs: 300_000 });
    assert.equal(i.exitCode, 0, `snap install ${file}: ${i.stderr}`);
  }
}, 20 * 60_000);

test('the app runs with a seccomp filter', async ({ guest }) => {
  const r = await guest.run('/snap/bin/lsmm-hello.report', { timeoutMs: 120_000 });
  assert.equal(r.exitCode, 0, `the app did not run: ${r.stderr}`);
  assert.match(r.stdout, /^Seccomp:\s+2$/m);
  const mode = (await guest.$`snap debug confinement`).text;
  assert.ok(mode, 'snapd reports no confinement level');
});

test('AppArmor host: the app runs under its snap.<snap>.<app> profile (read from the host)', async ({ guest, skip }) => {
  if (!apparmorActive(guest)) skip(`AppArmor not active: requested ${guest.facts.stack.requested.join(',') || 'the kernel default'}, active ${guest.facts.stack.active.join(',')}`);
  const pid = (await guest.run('setsid /snap/bin/lsmm-hello.sleeper >/dev/null 2>&1 < /dev/null & sleep 8; pgrep -n -x sleep')).text;
  assert.match(pid, /^\d+$/, 'the sleeper app did not start');
  assert.equal(await guest.labelOf(pid), 'snap.lsmm-hello.sleeper (enforce)');
  // Debian's snapd says `partial` (its kernel lacks some of Ubuntu's AppArmor
  // features); the profile is enforced all the same. Recorded as evidence.
  assert.match((await guest.$`snap debug confinement`).text, /^(strict|partial)$/);
  await guest.$`kill ${pid}`;
});

test('AppArmor host: snapd loaded the app\'s policy itself', async ({ guest, skip }) => {
  if (!apparmorActive(guest)) skip('AppArmor not active');
  const profiles = (await guest.$`ls /var/lib/snapd/apparmor/profiles/`).stdout;
  for (const p of ['snap.lsmm-hello.report', 'snap.lsmm-hello.sleeper', 'snap-update-ns.lsmm-hello']) assert.match(profiles, new RegExp(`^${p.replace(/\./g, '\\.')}$`, 'm'));
  assert.match((await guest.$`cat /sys/kernel/security/apparmor/profiles`).stdout, /^snap\.lsmm-hello\.report \(enforce\)$/m);
  assert.match((await guest.$`ls /var/lib/snapd/seccomp/bpf/`).stdout, /snap\.lsmm-hello\.report/);
});
