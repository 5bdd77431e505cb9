/**
 * What a cell really is, read inside the guest: the active LSM stack (which
 * may differ from the requested one), AppArmor's state and interfaces, the
 * per-LSM and display attr files, and whether the LSM syscalls exist.
 */
export interface Probe {
  kernelRelease: string;
  cmdline: string;
  /** /sys/kernel/security/lsm, in order. */
  activeLsms: string[];
  apparmor: {
    /** /sys/module/apparmor/parameters/enabled: Y, N, or null when absent. */
    moduleParam: string | null;
    /** `aa-enabled` said Yes. */
    aaEnabled: boolean;
    aaEnabledOutput: string;
    securityfsMounted: boolean;
    /** $SECURITYFS/apparmor exists (the policy interface). */
    policyInterface: boolean;
    policyNamespaces: boolean;
    /** features/domain/stack: the kernel can stack profiles. */
    stacking: boolean;
    features: string[];
  };
  attr: {
    display: boolean;
    apparmorCurrent: boolean;
    smackCurrent: boolean;
    /** /proc/self/attr/current of the probing shell. */
    current: string;
  };
  smackfs: boolean;
  /** lsm_list_modules (6.8+) answered with something other than ENOSYS. */
  lsmSyscalls: boolean;
}

const PATHS = {
  policyInterface: '/sys/kernel/security/apparmor',
  policyNamespaces: '/sys/kernel/security/apparmor/policy/namespaces',
  stacking: '/sys/kernel/security/apparmor/features/domain/stack',
  display: '/proc/self/attr/display',
  apparmorCurrent: '/proc/self/attr/apparmor/current',
  smackCurrent: '/proc/self/attr/smack/current',
  smackfs: '/sys/fs/smackfs',
} as const;

/**
 * What a guest is ready for scenarios after. The image starts sshd at the
 * top of the boot; the snapshot saved after the probe must not hold a boot
 * still under way, which every restore would then finish again: systemd's
 * jobs, and udev's queue, which goes on loading modules for seconds after
 * systemd calls the boot finished (seen: 26 runnable tasks, no idle CPU,
 * in the first seconds after "Startup finished"). And scenarios start once
 * the AppArmor profiles are in, whatever the image orders them before (a
 * no-op when apparmor.service has already run).
 */
export const READY_SCRIPT = `timeout 120 systemctl is-system-running --wait >/dev/null 2>&1
udevadm settle --timeout=60 >/dev/null 2>&1
systemctl start apparmor.service >/dev/null 2>&1`;

/** One shell script, one SSH round trip; sections are parsed by parseProbe. */
export const PROBE_SCRIPT = `
${READY_SCRIPT}
sec() { printf '\\n### %s\\n' "$1"; }
sec uname; uname -r
sec cmdline; cat /proc/cmdline
sec lsm; cat /sys/kernel/security/lsm 2>/dev/null; echo
sec apparmor_param; cat /sys/module/apparmor/parameters/enabled 2>/dev/null || echo ABSENT
sec aa_enabled; aa-enabled 2>&1; echo "exit=$?"
sec securityfs; grep -c ' securityfs ' /proc/mounts
sec exists
${Object.entries(PATHS).map(([k, p]) => `[ -e ${p} ] && echo "${k}=1" || echo "${k}=0"`).join('\n')}
sec attr_current; cat /proc/self/attr/current 2>&1; echo
sec apparmor_features; ls /sys/kernel/security/apparmor/features 2>/dev/null
sec lsm_syscall; perl -e 'syscall(461, 0, 0, 0); print $!+0' 2>/dev/null || echo unknown
`;

/** Pure: the probe script's output → Probe. */
export function parseProbe(out: string): Probe {
  const sections = new Map<string, string>();
  for (const block of out.split(/\n### /)) {
    const nl = block.indexOf('\n');
    const name = (nl < 0 ? block : block.slice(0, nl)).replace(/^### /, '').trim();
    sections.set(name, nl < 0 ? '' : block.slice(nl + 1).trim());
  }
  const s = (k: string) => sections.get(k) ?? '';
  const exists = new Map(s('exists').split('\n').map((l) => l.split('=') as [string, string]));
  const has = (k: keyof typeof PATHS) => exists.get(k) === '1';
  const aa = s('aa_enabled');
  const param = s('apparmor_param');
  return {
    kernelRelease: s('uname'),
    cmdline: s('cmdline'),
    activeLsms: s('lsm').split(',').map((x) => x.trim()).filter(Boolean),
    apparmor: {
      moduleParam: param === 'ABSENT' || param === '' ? null : param,
      aaEnabled: /^Yes/m.test(aa),
      aaEnabledOutput: aa.replace(/\nexit=\d+$/, '').trim(),
      securityfsMounted: Number(s('securityfs')) > 0,
      policyInterface: has('policyInterface'),
      policyNamespaces: has('policyNamespaces'),
      stacking: has('stacking'),
      features: s('apparmor_features').split(/\s+/).filter(Boolean),
    },
    attr: {
      display: has('display'),
      apparmorCurrent: has('apparmorCurrent'),
      smackCurrent: has('smackCurrent'),
      current: s('attr_current').replace(/\0/g, '').trim(),
    },
    smackfs: has('smackfs'),
    // 38 is ENOSYS: the kernel has no lsm_list_modules.
    lsmSyscalls: /^\d+$/.test(s('lsm_syscall')) && s('lsm_syscall') !== '38',
  };
}
