import { defineConfig } from './harness/config.ts';

// The default matrix: Debian's two supported kernel series, each with its
// built-in LSM stack, AppArmor alone, and AppArmor after another exclusive
// LSM (SELinux: "first exclusive LSM wins"; TOMOYO: both stay active).
export default defineConfig({
  kernels: ['debian-6.1', 'debian-6.12'],
  stacks: ['default', 'apparmor', 'selinux,apparmor', 'tomoyo,apparmor'],
  image: 'bookworm-containers',
  // Every scenario in every cell; those a cell cannot run are `skip` with the reason.
  scenarios: ['apparmor/**', 'docker/**', 'seccomp/**', 'lxd/**', 'snap/**', 'flatpak/**'],
});
