// The foundation end to end, on real guests under the accelerator the probe
// picks (TCG here): real Debian 6.1 and 6.12 kernels boot, log in over SSH,
// the probe tells the requested stack from the active one, and one scenario
// of each kind runs with a verdict drawn from what the guest did.
import { beforeAll, describe, expect, test } from 'vitest';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli, readRun, processesMentioning, ROOT } from './helpers.ts';
import type { RunResult, CellResult } from '../../harness/results.ts';
import { schemaErrors } from '../schema.ts';

const FIX = `${ROOT}test/fixtures/scenarios`;
const byName = (c: CellResult, scenario: string) => c.tests.filter((t) => t.scenario === scenario);

/** Every test of each scenario passed (and there are more than `atLeast` of them). */
function allPass(c: CellResult, scenarios: string[], atLeast: number): void {
  for (const s of scenarios) {
    const tests = byName(c, s);
    expect(tests.length, s).toBeGreaterThan(atLeast);
    for (const t of tests) expect({ id: t.id, verdict: t.verdict, reason: t.reason }).toEqual({ id: t.id, verdict: 'pass', reason: undefined });
  }
}

/** One `lsm-matrix run` into a fresh directory; the tail of its log goes to stderr for the CI log. */
async function runOnce(tag: string, args: string[]): Promise<{ out: string; exitCode: number | undefined; run: RunResult }> {
  const out = await mkdtemp(join(tmpdir(), `lsmm-e2e-${tag}-`));
  const r = await cli(['run', ...args, '--out', out]);
  process.stderr.write(String(r.all).split('\n').slice(-60).join('\n'));
  const run = await readRun(out);
  // A run that did not pass: its guests' last console lines go to the CI log too.
  if (r.exitCode !== 0) {
    for (const c of run.cells) {
      const log = c.consoleLog ? await readFile(join(out, c.consoleLog), 'utf8').catch(() => '') : '';
      process.stderr.write(`\n--- ${c.id} (${c.status}) console, last lines ---\n${log.split('\n').slice(-40).join('\n')}\n`);
    }
  }
  return { out, exitCode: r.exitCode, run };
}

describe('debian-6.1 with lsm=apparmor: one scenario of each kind', () => {
  let run: RunResult;
  let exitCode: number | undefined;
  let out: string;
  beforeAll(async () => {
    ({ out, exitCode, run } = await runOnce('61', ['--kernel', 'debian-6.1', '--stack', 'apparmor',
      '--scenario', 'apparmor/policy-namespace', '--scenario', 'docker/apparmor-host-apparmor-container', '--scenario', 'seccomp/docker-seccomp',
      '--scenario', 'lsm/syscalls', '--scenario', `${FIX}/isolation/a-leave-behind.ts`, '--scenario', `${FIX}/isolation/b-sees-nothing.ts`,
      '--scenario', `${FIX}/broken/syntax-error.ts`, '--scenario', `${FIX}/broken/throws.ts`]));
  });

  test('the guest booted, answered over SSH and AppArmor is active', () => {
    const c = run.cells[0]!;
    expect(c.status).toBe('ok');
    expect(c.kernel.release).toMatch(/^6\.1\.0-\d+-amd64$/);
    expect(c.stack).toMatchObject({ parameter: 'lsm=apparmor', requested: ['apparmor'], missing: [] });
    expect(c.stack.active).toContain('apparmor');
    expect(c.probe?.apparmor).toMatchObject({ moduleParam: 'Y', aaEnabled: true, securityfsMounted: true, policyInterface: true, policyNamespaces: true });
    expect(c.probe?.lsmSyscalls).toBe(false); // lsm_list_modules came in 6.8
    const lsm = byName(c, 'lsm/syscalls');
    expect(lsm.length).toBeGreaterThan(3);
    for (const t of lsm) expect({ verdict: t.verdict, reason: t.reason }).toEqual({ verdict: 'skip', reason: 'kernel lacks lsmSyscalls (probe: false)' });
    expect(run.host.accel).toMatch(/^(kvm|tcg)$/);
    expect(run.host.accelReason).toBeTruthy();
    expect(c.bootSeconds).toBeGreaterThan(0);
  });

  test('the real scenarios pass, with evidence from the guest', () => {
    const c = run.cells[0]!;
    allPass(c, ['apparmor/policy-namespace', 'docker/apparmor-host-apparmor-container', 'seccomp/docker-seccomp'], 3);
    const label = byName(c, 'docker/apparmor-host-apparmor-container').find((t) => t.name.startsWith('default'))!;
    expect(JSON.stringify(label.evidence?.commands)).toContain('docker-default (enforce)');
    // The kernel's denial lines are kept with the test that caused them, in
    // the first file after the boot and in one after a snapshot reset.
    const denied = (scenario: string, name: string) => byName(c, scenario).find((t) => t.name.startsWith(name))!.evidence!.denials;
    expect(denied('apparmor/policy-namespace', 'a profile loaded into the namespace').join('\n')).toMatch(/apparmor="DENIED"/);
    const docker = denied('docker/apparmor-host-apparmor-container', 'a profile loaded into the namespace').join('\n');
    expect(docker).toMatch(/operation="profile_load".*name="lsmm_docker_deny"/);
    expect(docker).not.toMatch(/name="docker-default"/); // the setup test's line stays with the setup test
    expect(denied('apparmor/policy-namespace', 'mkdir in policy/namespaces')).toEqual([]);
  });

  test('a scenario file does not see what the previous one left behind', () => {
    const c = run.cells[0]!;
    expect(byName(c, 'isolation/a-leave-behind').map((t) => t.verdict)).toEqual(['pass']);
    expect(byName(c, 'isolation/b-sees-nothing').map((t) => t.verdict)).toEqual(['pass']);
    expect(c.snapshot?.resetSeconds.length).toBeGreaterThanOrEqual(5);
  });

  test('broken scenarios are reported against their file and test; the run goes on', () => {
    const c = run.cells[0]!;
    const syntax = byName(c, 'broken/syntax-error');
    expect(syntax).toHaveLength(1);
    expect(syntax[0]).toMatchObject({ verdict: 'error', name: '(load)' });
    expect(syntax[0]!.reason).toMatch(/could not be loaded/);
    const throws = Object.fromEntries(byName(c, 'broken/throws').map((t) => [t.name, t]));
    expect(throws['a scenario bug']).toMatchObject({ verdict: 'error' });
    expect(throws['an assertion about the guest that does not hold']).toMatchObject({ verdict: 'fail' });
    expect(throws['skipped at run time with a reason']).toMatchObject({ verdict: 'skip', reason: 'nothing to see here' });
    expect(throws['still runs after the others']).toMatchObject({ verdict: 'pass' });
    expect(exitCode).toBe(1);
  });

  test('nothing is left running', async () => {
    expect(await processesMentioning(out)).toEqual([]);
  });

  test('run.json follows the schema and every report was written', async () => {
    expect(schemaErrors(run)).toEqual([]);
    const { readdir } = await import('node:fs/promises');
    expect(await readdir(out)).toEqual(expect.arrayContaining(['run.json', 'matrix.md', 'matrix.html', 'junit.xml', 'kcidb.json']));
    const failed = run.cells[0]!.tests.find((t) => t.verdict === 'fail')!;
    expect(failed.reproduce).toMatch(/^npx lsm-matrix run --kernel debian-6.1 --stack apparmor --scenario \S*test\/fixtures\/scenarios\/broken\/throws\.ts --test /);
  });
});

describe('debian-6.12 with lsm=selinux,apparmor: the first exclusive LSM wins', () => {
  let run: RunResult;
  let exitCode: number | undefined;
  beforeAll(async () => {
    ({ exitCode, run } = await runOnce('612', ['--kernel', 'debian-6.12', '--stack', 'selinux,apparmor',
      '--scenario', 'apparmor/enabled', '--scenario', 'docker/apparmor-host-apparmor-container', '--scenario', 'smack/enabled']));
    expect(schemaErrors(run)).toEqual([]);
  });

  test('AppArmor is not active and the difference is recorded', () => {
    const c = run.cells[0]!;
    expect(c.status).toBe('ok');
    expect(c.kernel.release).toMatch(/^6\.12\./);
    expect(c.stack.requested).toEqual(['selinux', 'apparmor']);
    expect(c.stack.active).toContain('selinux');
    expect(c.stack.active).not.toContain('apparmor');
    expect(c.stack.missing).toEqual(['apparmor']);
    expect(c.probe?.apparmor.aaEnabled).toBe(false);
    expect(c.probe?.lsmSyscalls).toBe(true); // 6.8+
  });

  test('AppArmor scenarios are skipped with the reason, never passed', () => {
    const c = run.cells[0]!;
    const aa = c.tests.filter((t) => !t.scenario.startsWith('smack/'));
    expect(aa.length).toBeGreaterThan(5);
    for (const t of aa) {
      expect(t.verdict).toBe('skip');
      expect(t.reason).toMatch(/^AppArmor not active: requested selinux,apparmor, active lockdown,capability,selinux.*: the first exclusive LSM \(SELinux\) wins on this kernel$/);
    }
    expect(exitCode).toBe(0);
  });

  test('Smack scenarios on a kernel without Smack are skipped saying so', () => {
    const smack = run.cells[0]!.tests.filter((t) => t.scenario === 'smack/enabled');
    expect(smack.length).toBe(3);
    for (const t of smack) expect(t.reason).toMatch(/^Smack not active: requested selinux,apparmor, active lockdown,capability,selinux/);
  });
});

describe('debian-6.12 with lsm=apparmor: the LXD, snap and flatpak scenarios', () => {
  let run: RunResult;
  let exitCode: number | undefined;
  beforeAll(async () => {
    ({ exitCode, run } = await runOnce('612aa', ['--kernel', 'debian-6.12', '--stack', 'apparmor',
      '--scenario', 'lxd/**', '--scenario', 'snap/**', '--scenario', 'flatpak/**', '--scenario', 'lsm/**']));
  });

  test('every test passes, with the labels the guest showed as evidence', () => {
    const c = run.cells[0]!;
    expect(c.status).toBe('ok');
    allPass(c, ['lxd/apparmor-host-apparmor-container', 'snap/snap-confinement', 'flatpak/flatpak', 'lsm/syscalls'], 2);
    // The LSM syscalls said what securityfs says, and named the profile the program ran under.
    expect(JSON.stringify(byName(c, 'lsm/syscalls').flatMap((t) => t.evidence?.commands ?? []))).toContain('104\\tlsmm_syscalls (enforce)');
    const snapLabel = byName(c, 'snap/snap-confinement').find((t) => t.name.includes('snap.<snap>.<app> profile'))!;
    expect(JSON.stringify(snapLabel.evidence?.commands)).toContain('snap.lsmm-hello.sleeper (enforce)');
    expect(JSON.stringify(byName(c, 'lxd/apparmor-host-apparmor-container').flatMap((t) => t.evidence?.commands ?? []))).toMatch(/lxd-[^"]*\/\/&:lxd-/);
    expect(exitCode).toBe(0);
  });
});
