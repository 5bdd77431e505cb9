// Shared by the AppArmor and Docker scenarios (files starting with _ are not scenarios).
import { shellQuote, type Guest } from '../../harness/scenario/api.ts';

export const NS_ROOT = '/sys/kernel/security/apparmor/policy/namespaces';

/** Start a long-lived task running `cmd` detached from the SSH session; returns its pid. */
export async function spawn(guest: Guest, cmd: string): Promise<string> {
  return (await guest.run(`setsid sh -c ${shellQuote(cmd)} >/dev/null 2>&1 < /dev/null & echo $!`)).text;
}

/** Load a profile from text (through a file, as users do). */
export async function loadProfile(guest: Guest, name: string, text: string, extra: string[] = []) {
  await guest.put(`/tmp/${name}.profile`, text);
  return guest.run(['apparmor_parser', '-r', ...extra, `/tmp/${name}.profile`].map(shellQuote).join(' '));
}

/** A profile that allows everything except reading /etc/hostname. */
export const denyHostname = (name: string, extra = '') => `profile ${name} {\n  file,\n  capability,\n  signal,\n  ptrace,\n  unix,\n  network,\n  mount,\n  umount,\n  change_profile,\n  deny /etc/hostname r,\n${extra}}\n`;

/** A profile that allows everything the tests do. */
export const allowAll = (name: string, extra = '') => `profile ${name} {\n  file,\n  capability,\n  signal,\n  ptrace,\n  unix,\n  network,\n  mount,\n  umount,\n  change_profile,\n${extra}}\n`;
