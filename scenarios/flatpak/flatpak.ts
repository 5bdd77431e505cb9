// Source: lsm-stacking-containers-guide.txt, "flatpak" (the support table's
// `????`). Offline: a runtime and an app built from local files into a
// file:// repo, installed and run, as root and as an ordinary user. What is
// recorded is what the sandbox really got: AppArmor label, seccomp,
// no_new_privs, its pid 1, user namespace and capabilities.
import { assert, busyboxRootfsTar, test, type Guest, type Requirements, type Support } from '../../harness/scenario/api.ts';

export const requirements: Requirements = { tools: ['flatpak', 'bwrap'], kernelConfig: ['CONFIG_USER_NS', 'CONFIG_SECCOMP_FILTER'] };
export const support: Support = { technology: 'flatpak', situation: 'apparmor host, apparmor container' };

const REPO = '/srv/lsmm-flatpak-repo';
const USER = 'lsmmuser';
const APP = 'org.lsmm.Hello';
const RUNTIME = 'org.lsmm.Platform';

/** What the app prints about its own confinement, one `key=value` per line. */
const REPORT = `#!/usr/bin/sh
echo "label=$(cat /proc/self/attr/current 2>&1 | tr -d '\\0')"
grep -E '^(Seccomp|NoNewPrivs|CapEff):' /proc/self/status | sed 's/:\\s*/=/'
echo "pid1=$(cat /proc/1/comm)"
echo "userns=$(readlink /proc/self/ns/user)"
`;

const facts = (out: string) => Object.fromEntries(out.split('\n').filter((l) => l.includes('=')).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));

async function asUser(guest: Guest, cmd: string) {
  return guest.run(`runuser -u ${USER} -- env HOME=/home/${USER} XDG_RUNTIME_DIR=/tmp/xdg-${USER} sh -c '${cmd}'`, { timeoutMs: 300_000 });
}

test('setup: runtime and app built from local files into a file:// repo', async ({ guest }) => {
  // The runtime's files: busybox and its applets, unpacked from the harness's rootfs tarball.
  await guest.put('/tmp/lsmm-rootfs.tar', await busyboxRootfsTar());
  await guest.must`rm -rf /tmp/rt /tmp/app ${REPO}`;
  await guest.must`mkdir -p /tmp/rt/files`;
  await guest.must`tar -C /tmp/rt/files -xf /tmp/lsmm-rootfs.tar bin etc`;
  await guest.put('/tmp/rt/metadata', `[Runtime]\nname=${RUNTIME}\nruntime=${RUNTIME}/x86_64/1\nsdk=${RUNTIME}/x86_64/1\n`);
  const rt = await guest.$`flatpak build-export --runtime --files=files ${REPO} /tmp/rt 1`;
  assert.equal(rt.exitCode, 0, `runtime export failed: ${rt.stderr}`);
  await guest.must`chmod -R a+rX ${REPO}`;
  await guest.must`flatpak --system remote-add --if-not-exists --no-gpg-verify lsmm ${`file://${REPO}`}`;
  const ir = await guest.run(`flatpak --system install -y --noninteractive lsmm runtime/${RUNTIME}/x86_64/1`, { timeoutMs: 300_000 });
  assert.equal(ir.exitCode, 0, `runtime install failed: ${ir.stderr}`);
  await guest.must`flatpak build-init /tmp/app ${APP} ${RUNTIME} ${RUNTIME} 1`;
  await guest.must`mkdir -p /tmp/app/files/bin`;
  await guest.put('/tmp/app/files/bin/lsmm-report', REPORT, 0o755);
  await guest.must`flatpak build-finish /tmp/app --command=lsmm-report`;
  await guest.must`flatpak build-export ${REPO} /tmp/app 1`;
  await guest.must`chmod -R a+rX ${REPO}`;
  const ia = await guest.run(`flatpak --system install -y --noninteractive lsmm app/${APP}/x86_64/1`, { timeoutMs: 300_000 });
  assert.equal(ia.exitCode, 0, `app install failed: ${ia.stderr}`);
});

test('as root: the app runs sandboxed (bwrap pid 1, seccomp filter, no_new_privs)', async ({ guest }) => {
  const r = await guest.run(`flatpak run ${APP}`, { timeoutMs: 300_000 });
  assert.equal(r.exitCode, 0, `flatpak run failed: ${r.stderr}`);
  const f = facts(r.stdout);
  assert.equal(f.pid1, 'bwrap');
  assert.equal(f.Seccomp, '2');
  assert.equal(f.NoNewPrivs, '1');
  assert.ok(f.label, 'no AppArmor/LSM label reported');
});

test('as a user: a new user namespace and no capabilities', async ({ guest }) => {
  await guest.must`sh -c ${`id ${USER} >/dev/null 2>&1 || useradd -m ${USER}`}`;
  await guest.must`install -d -o ${USER} -m 0700 ${`/tmp/xdg-${USER}`}`;
  const r = await asUser(guest, `flatpak --user remote-add --if-not-exists --no-gpg-verify lsmm file://${REPO} && flatpak --user install -y --noninteractive lsmm runtime/${RUNTIME}/x86_64/1 app/${APP}/x86_64/1 && flatpak run --user ${APP}`);
  assert.equal(r.exitCode, 0, `as ${USER}: ${r.stderr}`);
  const f = facts(r.stdout);
  const hostNs = (await guest.$`readlink /proc/self/ns/user`).text;
  assert.notEqual(f.userns, hostNs, 'the sandbox shares the host user namespace');
  assert.equal(f.CapEff, '0000000000000000');
  assert.equal(f.pid1, 'bwrap');
});
