#!/bin/sh
# Finish a bookworm-containers root tree: $1 is the tree, $2 the SSH public key
# that may log in as root. Runs on the host, after mmdebstrap, with no network.
set -eu
root=$1
pubkey=$2

# Services the scenarios start on demand, and the wait for a network that
# never comes online (restrict=on): together ~25 s of a ~35 s TCG boot.
# auditd stays off so AppArmor's audit lines reach the kernel log, where the
# harness collects each test's denials.
for unit in docker.service docker.socket containerd.service \
            lxd.service lxd.socket lxd-containers.service lxd-agent.service \
            snapd.service snapd.socket snapd.seeded.service snapd.apparmor.service \
            systemd-networkd-wait-online.service \
            apt-daily.timer apt-daily-upgrade.timer man-db.timer e2scrub_all.timer fstrim.timer \
            auditd.service lxcfs.service; do
  chroot "$root" systemctl disable "$unit" >/dev/null 2>&1 || true
done
# The initramfs sets the guest's address (QEMU's user network always leases
# 10.0.2.15), so no DHCP client runs; networkd would also have matched the
# veth pairs Docker and LXD create.
for unit in systemd-networkd.service systemd-networkd.socket; do
  chroot "$root" systemctl disable "$unit" >/dev/null 2>&1 || true
done
chroot "$root" systemctl enable ssh.service >/dev/null 2>&1
# No display: the drm module systemd loads by name at sysinit (2.3 s under TCG).
# Nor do scenarios use foreign binaries, huge pages, the kernel's debug and
# trace file systems, configfs, device mapper or pstore: each of these
# sysinit units took 0.6-1.2 s of a TCG guest's 2 vCPUs while sshd started
# (systemd-analyze blame, session 6). Mask, not disable: they are static.
for unit in modprobe@drm.service \
            systemd-binfmt.service proc-sys-fs-binfmt_misc.automount proc-sys-fs-binfmt_misc.mount \
            dev-hugepages.mount sys-kernel-debug.mount sys-kernel-tracing.mount \
            modprobe@configfs.service sys-kernel-config.mount modprobe@dm_mod.service \
            modprobe@efi_pstore.service systemd-pstore.service e2scrub_reap.service; do
  chroot "$root" systemctl mask "$unit" >/dev/null 2>&1
done
chroot "$root" systemctl disable dpkg-db-backup.timer getty@tty1.service >/dev/null 2>&1 || true
# Generators run before systemd starts any unit, sshd included: one process
# each, ≈ 0.1-0.3 s under TCG. These make units for disks, consoles and
# SysV scripts this guest has not got (every SysV script here has a native
# unit); fstab's and snapd's stay.
install -d "$root/etc/systemd/system-generators"
for gen in systemd-cryptsetup-generator systemd-debug-generator systemd-getty-generator \
           systemd-gpt-auto-generator systemd-hibernate-resume-generator systemd-integritysetup-generator \
           systemd-rc-local-generator systemd-run-generator systemd-system-update-generator \
           systemd-sysv-generator systemd-veritysetup-generator; do
  ln -sf /dev/null "$root/etc/systemd/system-generators/$gen"
done

install -d -m 0700 "$root/root/.ssh"
install -m 0600 "$pubkey" "$root/root/.ssh/authorized_keys"

echo lsm-matrix-guest > "$root/etc/hostname"
printf '127.0.0.1 localhost\n127.0.1.1 lsm-matrix-guest\n' > "$root/etc/hosts"
# The initramfs mounts the root read-write and the kernel's modules disk
# read-only on /usr/lib/modules; nothing else to mount.
echo '/dev/vda / ext4 rw,relatime 0 0' > "$root/etc/fstab"
# Each overlay is a fresh machine: systemd makes a new id on first boot.
: > "$root/etc/machine-id"
rm -f "$root/var/lib/dbus/machine-id"
# No mirror is reachable from a guest; leave no host mirror name inside it either.
: > "$root/etc/apt/sources.list"
rm -f "$root/etc/apt/sources.list.d/"*
