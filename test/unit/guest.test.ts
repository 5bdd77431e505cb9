import { describe, expect, test } from 'vitest';
import { parseProbe, PROBE_SCRIPT } from '../../harness/guest/probe.ts';
import { buildCommand } from '../../harness/guest/guest.ts';
import { consoleFailure, lastLines } from '../../harness/vm/console.ts';
import { verdictOf } from '../../harness/scenario/verdict.ts';
import { unmetFromFacts, parseKernelConfig } from '../../harness/scenario/requirements.ts';
import { globToRegExp } from '../../harness/scenario/discover.ts';
import { parseListFile, parseSourcesFile } from '../../harness/images/mirror.ts';

const OUT = `
### uname
6.12.117+deb12-amd64
### cmdline
console=ttyS0 root=/dev/vda rw lsm=selinux,apparmor
### lsm
lockdown,capability,selinux,ima,evm
### apparmor_param
ABSENT
### aa_enabled
No - disabled at boot.
exit=1
### securityfs
1
### exists
policyInterface=0
policyNamespaces=0
stacking=0
display=0
apparmorCurrent=1
smackCurrent=0
smackfs=0
### attr_current
kernel
### apparmor_features
### lsm_syscall
22
`;

describe('probe', () => {
  test('parses what the guest printed', () => {
    const p = parseProbe(OUT);
    expect(p.kernelRelease).toBe('6.12.117+deb12-amd64');
    expect(p.activeLsms).toEqual(['lockdown', 'capability', 'selinux', 'ima', 'evm']);
    expect(p.apparmor).toMatchObject({ moduleParam: null, aaEnabled: false, securityfsMounted: true, policyInterface: false, features: [] });
    expect(p.attr).toMatchObject({ display: false, apparmorCurrent: true, current: 'kernel' });
    expect(p.lsmSyscalls).toBe(true);
  });
  test('ENOSYS from lsm_list_modules means no LSM syscalls', () => {
    expect(parseProbe(OUT.replace('\n22\n', '\n38\n')).lsmSyscalls).toBe(false);
  });
  test('the script asks for every path it parses', () => {
    for (const p of ['/sys/kernel/security/lsm', '/proc/self/attr/display', '/sys/fs/smackfs', 'aa-enabled']) expect(PROBE_SCRIPT).toContain(p);
  });
});

describe('guest commands', () => {
  test('interpolated values are quoted; arrays become several words', () => {
    const label = "a b'c";
    expect(buildCommand(['aa-exec -p ', ' -- cat'], [label])).toBe(`aa-exec -p 'a b'\\''c' -- cat`);
    expect(buildCommand(['docker run ', ' img'], [['--security-opt', 'apparmor=x//&:ns:y']])).toBe(`docker run --security-opt 'apparmor=x//&:ns:y' img`);
    expect(buildCommand(['echo ', ''], ['$(reboot)'])).toBe(`echo '$(reboot)'`);
  });
});

describe('console', () => {
  test('panics and initramfs failures are recognised', () => {
    expect(consoleFailure('x\n[ 1.0] Kernel panic - not syncing: VFS: Unable to mount root fs\n')).toBe('Kernel panic - not syncing: VFS: Unable to mount root fs');
    expect(consoleFailure('LSM-MATRIX-INITRAMFS-FAILED: no root disk /dev/vda after 20 s\n')).toMatch(/no root disk/);
    expect(consoleFailure('all fine')).toBeUndefined();
  });
  test('last lines drop escape sequences and blanks', () => {
    expect(lastLines('a\r\n\x1b[0;32m OK \x1b[0m b\n\n c\n', 2)).toEqual([' OK  b', ' c']);
  });
});

describe('verdicts', () => {
  test('only an assertion is a fail; anything else that broke is an error', () => {
    expect(verdictOf({ state: 'fail', errors: [{ name: 'AssertionError', message: 'x' }] }).verdict).toBe('fail');
    expect(verdictOf({ state: 'fail', errors: [{ name: 'InfraError', message: 'ssh: Not connected' }] })).toEqual({ verdict: 'error', reason: 'InfraError: ssh: Not connected' });
    expect(verdictOf({ state: 'fail', errors: [{ name: 'Error', message: 'Test timed out in 1000ms.' }] }).verdict).toBe('error');
    expect(verdictOf({ state: 'fail', errors: [{ name: 'TypeError', message: 'x is undefined' }] }).verdict).toBe('error');
  });
  test('skips carry their reason; a limitation that held is confirmed', () => {
    expect(verdictOf({ state: 'skip', errors: [], note: 'why' })).toEqual({ verdict: 'skip', reason: 'why' });
    expect(verdictOf({ state: undefined, errors: [], unmet: 'AppArmor not active' })).toEqual({ verdict: 'skip', reason: 'AppArmor not active' });
    expect(verdictOf({ state: 'pass', errors: [], limitation: 'smack has no namespaces' })).toEqual({ verdict: 'confirmed-limitation', reason: 'smack has no namespaces' });
  });
  test('a failed setup hook makes its tests error, or fail when it was an assertion', () => {
    expect(verdictOf({ state: 'skip', errors: [], hookError: { name: 'Error', message: 'ssh lost' } })).toEqual({ verdict: 'error', reason: 'setup failed: ssh lost' });
    expect(verdictOf({ state: undefined, errors: [] }).verdict).toBe('error');
    expect(verdictOf({ state: undefined, errors: [], cellBroken: 'the cell broke: loadvm failed' })).toEqual({ verdict: 'error', reason: 'the cell broke: loadvm failed' });
    expect(verdictOf({ state: undefined, errors: [], note: 'not run: "setup" did not pass' })).toEqual({ verdict: 'skip', reason: 'not run: "setup" did not pass' });
  });
});

describe('requirements', () => {
  const facts = {
    kernel: 'debian-6.12', release: '6.12', probe: parseProbe(OUT),
    stack: { id: 'selinux,apparmor', requested: ['selinux', 'apparmor'], active: ['lockdown', 'capability', 'selinux', 'ima', 'evm'] },
  };
  test('an inactive LSM says what was requested and what is active', () => {
    expect(unmetFromFacts({ lsm: ['apparmor'] }, facts, undefined)).toBe('AppArmor not active: requested selinux,apparmor, active lockdown,capability,selinux,ima,evm: the first exclusive LSM (SELinux) wins on this kernel');
    expect(unmetFromFacts({ lsm: ['selinux'] }, facts, undefined)).toBeUndefined();
  });
  test('kernel config and probe features', () => {
    const cfg = parseKernelConfig('CONFIG_SQUASHFS=m\n# CONFIG_SECURITY_SMACK is not set\nCONFIG_LSM="landlock,apparmor"\n');
    expect(cfg.get('CONFIG_LSM')).toBe('landlock,apparmor');
    expect(unmetFromFacts({ kernelConfig: ['CONFIG_SQUASHFS'] }, facts, cfg)).toBeUndefined();
    expect(unmetFromFacts({ kernelConfig: ['CONFIG_SECURITY_SMACK'] }, facts, cfg)).toBe('kernel lacks CONFIG_SECURITY_SMACK (not set)');
    expect(unmetFromFacts({ features: ['attr.display'] }, facts, cfg)).toBe('kernel lacks attr.display (probe: false)');
  });
});

describe('scenario globs', () => {
  test.each([
    ['apparmor/**', 'apparmor/enabled.ts', true],
    ['apparmor/*', 'apparmor/enabled.ts', true],
    ['apparmor/enabled', 'apparmor/enabled.ts', true],
    ['docker/**', 'apparmor/enabled.ts', false],
    ['apparmor/e*', 'apparmor/stacking.ts', false],
  ])('%s vs %s', (glob, file, hit) => {
    expect(globToRegExp(glob).test(file)).toBe(hit);
  });
});

describe('apt sources', () => {
  test('one-line and deb822 formats', () => {
    expect(parseListFile('deb [arch=amd64] http://m/debian bookworm main contrib\n# deb http://x y z\n')).toEqual([{ uri: 'http://m/debian', suite: 'bookworm', components: ['main', 'contrib'] }]);
    const s = parseSourcesFile('Types: deb\nURIs: http://m/debian\nSuites: bookworm bookworm-updates\nComponents: main\n\nTypes: deb-src\nURIs: http://m/debian\nSuites: bookworm\n');
    expect(s.map((x) => x.suite)).toEqual(['bookworm', 'bookworm-updates']);
  });
});
