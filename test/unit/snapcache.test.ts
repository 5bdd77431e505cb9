import { expect, test } from 'vitest';
import { snapshotKey, type SnapshotKeyParts } from '../../harness/vm/snapcache.ts';
import { qemuShape } from '../../harness/vm/qemu.ts';
import { retryable } from '../../harness/errors.ts';

const parts: SnapshotKeyParts = {
  kernelDir: '/c/kernels/debian_6.12', initramfs: '/c/kernels/debian_6.12/initramfs-1/initramfs.cpio', modulesDisk: '/c/kernels/debian_6.12/modules.ext4',
  imageHash: 'f047c2b54f10e640', base: '/c/images/base.qcow2', cmdline: 'lsm=apparmor', accel: 'tcg', memoryMiB: 2048, cpus: 2, qemuVersion: '7.2.22', qemuShape: 'q35 …',
};

test('the snapshot key changes with everything a saved guest depends on, and only with that', () => {
  const k = snapshotKey(parts);
  expect(k).toMatch(/^[0-9a-f]{20}$/);
  expect(snapshotKey({ ...parts })).toBe(k);
  expect(snapshotKey(Object.fromEntries(Object.entries(parts).reverse()) as unknown as SnapshotKeyParts)).toBe(k);
  for (const [field, other] of Object.entries({ kernelDir: '/c/kernels/x', imageHash: 'abc', cmdline: 'lsm=selinux,apparmor', accel: 'kvm', memoryMiB: 1024, qemuVersion: '8.2.0', modulesDisk: undefined })) {
    expect(snapshotKey({ ...parts, [field]: other }), field).not.toBe(k);
  }
});

test('the QEMU shape leaves out this boot\'s paths and port but keeps the machine', () => {
  const spec = { vmlinuz: '/k/vmlinuz', initramfs: '/k/i.cpio', base: '/b.qcow2', cmdline: 'lsm=apparmor', accel: { kind: 'tcg' as const, reason: '' }, workDir: '/tmp/x', memoryMiB: 2048, cpus: 2 };
  const a = qemuShape(spec);
  expect(a).toBe(qemuShape({ ...spec, workDir: '/elsewhere', restoreFrom: '/c/snap.qcow2' }));
  expect(a).toContain('-machine q35');
  expect(a).not.toContain('/tmp/x');
  expect(a).not.toContain('-loadvm');
  expect(qemuShape({ ...spec, cpus: 4 })).not.toBe(a);
});

test('only infrastructure errors are retried', () => {
  expect(retryable('the cell broke: SSH connection lost', 'kvm')).toBe(true);
  expect(retryable('SSH not ready after 240 s (systemd did not start sshd)', 'tcg')).toBe(true);
  expect(retryable('guest died before SSH was ready: Kernel panic - not syncing: VFS', 'kvm')).toBe(false);
  expect(retryable('LSM-MATRIX-INITRAMFS-FAILED: no root disk', 'tcg')).toBe(false);
});

test('a panic under TCG may be the emulator\'s: one retry; under KVM it is the kernel\'s', () => {
  const panic = 'guest died before SSH was ready: Kernel panic - not syncing: Fatal exception in interrupt';
  expect(retryable(panic, 'tcg')).toBe(true);
  expect(retryable(panic, 'kvm')).toBe(false);
});
