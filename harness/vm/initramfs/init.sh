#!/bin/sh
# lsm-matrix initramfs: load the modules that reach the root disk, mount it
# and the kernel's modules disk, hand over to systemd. Every failure prints
# a marker line the harness looks for, then powers off so QEMU exits.
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
fail() { echo "LSM-MATRIX-INITRAMFS-FAILED: $*"; poweroff -f; }
echo "LSM-MATRIX-INITRAMFS-START"
case " $(cat /proc/cmdline) " in
  *" lsm_matrix.floor=1 "*) echo "LSM-MATRIX-FLOOR-REACHED"; poweroff -f ;;
esac
while read -r m; do
  [ -n "$m" ] && { insmod "/lib/modules/$m" || echo "LSM-MATRIX-INITRAMFS-WARN: insmod $m failed"; }
done < /modules.load
# The guest's address, set here rather than by a DHCP client in the real
# root: QEMU's user network always leases 10.0.2.15, and with the address
# already up sshd can start at the top of the boot instead of after
# network.target (≈ 10 s into a TCG userspace). Kernel state, it outlives
# switch_root.
if [ -e /sys/class/net/eth0 ]; then
  ip link set lo up
  ip link set eth0 up && ip addr add 10.0.2.15/24 dev eth0 && ip route add default via 10.0.2.2 proto static \
    || echo "LSM-MATRIX-INITRAMFS-WARN: eth0 not configured"
else
  echo "LSM-MATRIX-INITRAMFS-WARN: no eth0 (virtio_net missing?)"
fi
n=0
while [ ! -b /dev/vda ] && [ $n -lt 400 ]; do sleep 0.05; n=$((n+1)); done
[ -b /dev/vda ] || fail "no root disk /dev/vda after 20 s (virtio_blk missing?)"
mkdir -p /newroot
mount -t ext4 -o rw /dev/vda /newroot || fail "cannot mount /dev/vda"
if [ -b /dev/vdb ]; then
  mkdir -p /newroot/usr/lib/modules
  mount -t ext4 -o ro /dev/vdb /newroot/usr/lib/modules || fail "cannot mount the modules disk /dev/vdb"
fi
# The AppArmor policy the first boot of this kernel and image compiled
# (harness/guest/policy-cache.ts); apparmor_parser re-checks it.
if [ -f /apparmor-cache.tar ]; then
  mkdir -p /newroot/var/cache/apparmor
  tar -xf /apparmor-cache.tar -C /newroot/var/cache/apparmor || echo "LSM-MATRIX-INITRAMFS-WARN: AppArmor policy cache not unpacked"
fi
umount /proc /sys
mount --move /dev /newroot/dev
exec switch_root /newroot /sbin/init
