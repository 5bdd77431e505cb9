/**
 * Named kernels users can write in a config or on the command line.
 * Each maps to a kernel spec understood by harness/kernels/spec.ts.
 */
export interface CatalogueEntry {
  spec: string;
  description: string;
  /** The stack parameters this kernel is meant to be tried with (for docs and `kernels`). */
  stacks?: string[];
}

const UBUNTU = 'http://archive.ubuntu.com/ubuntu/pool/main/l';
const UBUNTU_OLD = 'http://old-releases.ubuntu.com/ubuntu/pool/main/l';

export const catalogue: Record<string, CatalogueEntry> = {
  'debian-6.1': {
    spec: 'debian-series:6.1',
    description: 'newest Debian bookworm linux-image-6.1.*-amd64-unsigned in the apt index',
  },
  'debian-6.12': {
    spec: 'debian-series:6.12',
    description: 'newest Debian linux-image-6.12.*-amd64-unsigned in the apt index',
  },
  // Debian's kernel source with Smack and AppArmor both built in (Debian's
  // own kernels have no Smack). Built once here, then cached.
  'debian-6.12+smack': {
    spec: 'source:debian-6.12,fragments=containers+smack-apparmor',
    description: 'built from Debian linux-source-6.12 with kernels/fragments/{containers,smack-apparmor}.config',
    stacks: ['smack,apparmor', 'apparmor,smack', 'security=smack,apparmor'],
  },
  'debian-6.1+smack': {
    spec: 'source:debian-6.1,fragments=containers+smack-apparmor',
    description: 'built from Debian linux-source-6.1 with kernels/fragments/{containers,smack-apparmor}.config',
    stacks: ['smack,apparmor', 'apparmor,smack', 'security=smack,apparmor'],
  },
  // Ubuntu kernels that carry a version of the LSM stacking patches (the
  // guide's "Ubuntu Kernels"). Ubuntu splits a kernel into three packages.
  'ubuntu-18.04': {
    spec: `deb:${UBUNTU}/linux/linux-image-unsigned-4.15.0-20-generic_4.15.0-20.21_amd64.deb+${UBUNTU}/linux/linux-modules-4.15.0-20-generic_4.15.0-20.21_amd64.deb+${UBUNTU}/linux/linux-modules-extra-4.15.0-20-generic_4.15.0-20.21_amd64.deb`,
    description: 'Ubuntu 18.04 (Bionic) GA kernel 4.15: stacking with the legacy security= parameter',
    stacks: ['security=smack,apparmor', 'security=apparmor'],
  },
  'ubuntu-19.04': {
    spec: `deb:${UBUNTU_OLD}/linux-signed/linux-image-5.0.0-13-generic_5.0.0-13.14_amd64.deb+${UBUNTU_OLD}/linux/linux-modules-5.0.0-13-generic_5.0.0-13.14_amd64.deb+${UBUNTU_OLD}/linux/linux-modules-extra-5.0.0-13-generic_5.0.0-13.14_amd64.deb`,
    description: 'Ubuntu 19.04 (Disco) kernel 5.0: backported 5.1 stacking, lsm= like the stacking development kernels',
    stacks: ['yama,loadpin,safesetid,integrity,smack,apparmor', 'smack,apparmor'],
  },
};
