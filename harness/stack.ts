import { UserError } from './errors.ts';

/** LSM names the kernel's `lsm=` / `security=` parameters accept (up to 6.12). */
export const KNOWN_LSMS = [
  'capability', 'lockdown', 'yama', 'loadpin', 'safesetid', 'integrity', 'ima', 'evm',
  'selinux', 'smack', 'tomoyo', 'apparmor', 'bpf', 'landlock', 'ipe',
] as const;

/** LSMs that, before full stacking, could not share the kernel with another of them. */
export const EXCLUSIVE_LSMS = ['selinux', 'smack', 'tomoyo', 'apparmor'] as const;

/** Still LSM_FLAG_EXCLUSIVE in mainline since 5.1 (TOMOYO dropped it): at most one of them is active. */
export const EXCLUSIVE_SINCE_5_1 = ['selinux', 'smack', 'apparmor'] as const;

/** Pure: the first exclusive LSM that kept `lsm` out of a cell's stack, when the probe shows that is what happened. */
export function exclusiveWinner(requested: string[], active: string[], lsm: string): string | undefined {
  if (!requested.includes(lsm) || active.includes(lsm) || !(EXCLUSIVE_SINCE_5_1 as readonly string[]).includes(lsm)) return undefined;
  return requested.find((r) => r !== lsm && (EXCLUSIVE_SINCE_5_1 as readonly string[]).includes(r) && active.includes(r));
}

export interface Stack {
  /** How the user wrote it, canonicalised: `default`, `smack,apparmor`, `security=smack,apparmor`. */
  id: string;
  /** Which kernel parameter carries it; null for the kernel's built-in default. */
  param: 'lsm' | 'security' | null;
  /** The LSMs requested, in order. Empty for `default`. */
  requested: string[];
  /** What goes on the kernel command line ('' for default). */
  cmdline: string;
}

/**
 * Parse a stack as the guide writes it: `apparmor`, `smack,apparmor`,
 * `lsm=smack,apparmor`, the legacy `security=smack,apparmor`, or `default`.
 */
export function parseStack(input: string): Stack {
  const text = input.trim().replace(/^"(.*)"$/, '$1');
  if (text === 'default' || text === '') {
    if (text === '') throw new UserError(`stack is empty: write \`default\` for the kernel's built-in stack, or a list such as \`apparmor\` or \`security=smack,apparmor\``);
    return { id: 'default', param: null, requested: [], cmdline: '' };
  }
  let param: 'lsm' | 'security' = 'lsm';
  let list = text;
  const m = /^(lsm|security)=(.*)$/.exec(text);
  if (m) {
    param = m[1] as 'lsm' | 'security';
    list = m[2]!.replace(/^"(.*)"$/, '$1');
  } else if (text.includes('=')) {
    throw new UserError(`stack \`${input}\` is malformed: use \`lsm=<list>\`, \`security=<list>\`, a bare list such as \`smack,apparmor\`, or \`default\``);
  }
  const names = list.split(',').map((s) => s.trim());
  if (names.some((n) => n === '')) {
    throw new UserError(`stack \`${input}\` is malformed: empty LSM name in the list`);
  }
  const unknown = names.filter((n) => !(KNOWN_LSMS as readonly string[]).includes(n));
  if (unknown.length > 0) {
    throw new UserError(`stack \`${input}\`: unknown LSM ${unknown.map((u) => `\`${u}\``).join(', ')}; known are ${KNOWN_LSMS.join(', ')}`);
  }
  const dup = names.find((n, i) => names.indexOf(n) !== i);
  if (dup) throw new UserError(`stack \`${input}\`: \`${dup}\` appears twice`);
  const joined = names.join(',');
  return {
    id: param === 'lsm' ? joined : `security=${joined}`,
    param,
    requested: names,
    cmdline: `${param}=${joined}`,
  };
}

/** Requested LSMs that did not become active (what the probe compares). */
export function missingLsms(stack: Stack, active: string[]): string[] {
  return stack.requested.filter((l) => !active.includes(l));
}
