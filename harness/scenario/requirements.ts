import type { CellFacts } from '../guest/guest.ts';
import { exclusiveWinner } from '../stack.ts';

/** What a scenario file needs from its cell; unmet → every test in it is `skip` with the reason. */
export interface Requirements {
  /** LSMs that must be active (from /sys/kernel/security/lsm). */
  lsm?: string[];
  /** Commands that must exist in the guest. */
  tools?: string[];
  /** Kernel config options that must be y or m (from the kernel's config). */
  kernelConfig?: string[];
  /** Probe facts that must hold, e.g. `apparmor.policyNamespaces`, `attr.display`, `lsmSyscalls`. */
  features?: string[];
}

const LSM_NAMES: Record<string, string> = { apparmor: 'AppArmor', selinux: 'SELinux', smack: 'Smack', tomoyo: 'TOMOYO', landlock: 'Landlock', yama: 'Yama' };

/** Pure: the first unmet requirement that can be decided from the cell's facts, as a reason. */
export function unmetFromFacts(req: Requirements, facts: CellFacts, kernelConfig: Map<string, string> | undefined): string | undefined {
  for (const lsm of req.lsm ?? []) {
    if (!facts.stack.active.includes(lsm)) {
      const requested = facts.stack.requested.length ? facts.stack.requested.join(',') : 'the kernel default';
      const winner = exclusiveWinner(facts.stack.requested, facts.stack.active, lsm);
      const why = winner ? `: the first exclusive LSM (${LSM_NAMES[winner] ?? winner}) wins on this kernel` : '';
      return `${LSM_NAMES[lsm] ?? lsm} not active: requested ${requested}, active ${facts.stack.active.join(',') || 'none'}${why}`;
    }
  }
  for (const opt of req.kernelConfig ?? []) {
    if (!kernelConfig) return `kernel config unknown, cannot check ${opt}`;
    const v = kernelConfig.get(opt);
    if (v !== 'y' && v !== 'm') return `kernel lacks ${opt} (${v ? `=${v}` : 'not set'})`;
  }
  for (const f of req.features ?? []) {
    const v = f.split('.').reduce<any>((o, k) => (o == null ? undefined : o[k]), facts.probe);
    if (v !== true) return `kernel lacks ${f} (probe: ${JSON.stringify(v)})`;
  }
  return undefined;
}

/** Pure: a kernel .config text → option map. */
export function parseKernelConfig(text: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const line of text.split('\n')) {
    const kv = /^(CONFIG_[A-Za-z0-9_]+)=(.*)$/.exec(line);
    if (kv) m.set(kv[1]!, kv[2]!.replace(/^"(.*)"$/, '$1'));
  }
  return m;
}
