// Source: firmwared-namespaces-apparmor-overlayfs.txt ("Inside firmwared",
// "How the profile is built", "When things go wrong"): a profile template
// rendered at run time with the instance's root, fed to apparmor_parser on
// stdin, the instance moved into it, and its denials found in the log.
import { readFile } from 'node:fs/promises';
import { assert, test, type Requirements } from '../../harness/scenario/api.ts';

export const requirements: Requirements = { lsm: ['apparmor'], tools: ['aa-exec', 'apparmor_parser'] };

const ROOT = '/tmp/lsmm-instance-1';
const INSTANCE = '1';

/** Pure: the template with its run-time variables defined in front. */
export function render(template: string, vars: Record<string, string>): string {
  return `${Object.entries(vars).map(([k, v]) => `@{${k}}=${v}`).join('\n')}\n${template.replace(/@\{instance\}/g, vars.instance ?? '')}`;
}

test('the rendered template loads from stdin', async ({ guest }) => {
  const template = await readFile(new URL('./templates/firmware.profile', import.meta.url), 'utf8');
  const profile = render(template, { root: ROOT, instance: INSTANCE });
  const r = await guest.run('apparmor_parser -r', { stdin: profile });
  assert.equal(r.exitCode, 0, `apparmor_parser refused the rendered profile: ${r.stderr}`);
  assert.match((await guest.$`cat /sys/kernel/security/apparmor/profiles`).stdout, /^lsmm_firmware_1 \(enforce\)$/m);
  // The instance's root with stand-ins for the files the profile protects.
  await guest.must`mkdir -p ${`${ROOT}/proc`}`;
  await guest.must`touch ${`${ROOT}/proc/sysrq-trigger`} ${`${ROOT}/proc/kcore`} ${`${ROOT}/ok`}`;
});

test('the instance may write its own files', async ({ guest }) => {
  const r = await guest.$`aa-exec -p lsmm_firmware_1 -- sh -c ${`echo hi > ${ROOT}/ok`}`;
  assert.equal(r.exitCode, 0, r.stderr);
});

test('writing proc/sysrq-trigger under its root is denied and audited', async ({ guest }) => {
  const r = await guest.$`aa-exec -p lsmm_firmware_1 -- sh -c ${`: > ${ROOT}/proc/sysrq-trigger`}`;
  assert.notEqual(r.exitCode, 0, 'the write was allowed');
  assert.match(r.stderr, /Permission denied/);
  const log = await guest.$`dmesg`;
  assert.match(log.stdout, new RegExp(`apparmor="DENIED".*profile="lsmm_firmware_1".*name="${ROOT}/proc/sysrq-trigger"`));
});

test('plain deny (no audit) denies without a log line', async ({ guest }) => {
  const r = await guest.$`aa-exec -p lsmm_firmware_1 -- sh -c ${`: > ${ROOT}/proc/kcore`}`;
  assert.notEqual(r.exitCode, 0, 'the write was allowed');
  const log = await guest.$`dmesg`;
  assert.doesNotMatch(log.stdout, new RegExp(`name="${ROOT}/proc/kcore"`));
});
