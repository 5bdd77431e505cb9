import { defineConfig } from './harness/config.ts';

// The default matrix: Debian's two supported kernel series, each with its
// built-in LSM stack, AppArmor alone, and AppArmor after another exclusive
// LSM (SELinux: "first exclusive LSM wins"; TOMOYO: both stay active).
// Then the guide's Smack stacks on Debian's 6.12 source built with Smack and
// AppArmor (Debian's own kernels have no Smack): the first run builds it
// (about 35 min on 2 cores), later runs find it in the cache.
export default defineConfig({
  kernels: ['debian-6.1', 'debian-6.12'],
  stacks: ['default', 'apparmor', 'selinux,apparmor', 'tomoyo,apparmor'],
  include: [{ kernel: 'debian-6.12+smack', stacks: ['smack,apparmor', 'apparmor,smack', 'security=smack,apparmor'] }],
  image: 'bookworm-containers',
  // Every scenario in every cell; those a cell cannot run are `skip` with the reason.
  scenarios: ['apparmor/**', 'lsm/**', 'docker/**', 'seccomp/**', 'lxd/**', 'snap/**', 'flatpak/**', 'smack/**'],
});
