import { readFile } from 'node:fs/promises';
import { pack } from 'tar-stream';

const APPLETS = ['sh', 'ls', 'cat', 'echo', 'mkdir', 'chmod', 'id', 'sleep', 'touch', 'rm', 'ps', 'mount', 'umount', 'wc', 'grep',
  'hostname', 'true', 'false', 'head', 'tail', 'env', 'ping', 'nc', 'stat', 'readlink', 'uname', 'dmesg', 'sed', 'tr', 'test', '['];

/**
 * A container root filesystem made of the host's static busybox, as a tar
 * stream (for `docker import` and LXD/snap/flatpak trees): no registry is
 * reachable from guests, so the harness makes the images it needs.
 */
export async function busyboxRootfsTar(extra: { path: string; data: string | Buffer; mode?: number }[] = []): Promise<Buffer> {
  const busybox = await readFile('/bin/busybox');
  const p = pack();
  const chunks: Buffer[] = [];
  p.on('data', (c: unknown) => chunks.push(c as Buffer));
  const done = new Promise<void>((resolve, reject) => { p.on('end', resolve); p.on('error', reject); });
  const mtime = new Date(0);
  for (const d of ['bin', 'etc', 'proc', 'sys', 'dev', 'tmp', 'root', 'run', 'var', 'var/tmp']) {
    p.entry({ name: `${d}/`, type: 'directory', mode: d.endsWith('tmp') ? 0o1777 : 0o755, mtime });
  }
  p.entry({ name: 'bin/busybox', mode: 0o755, mtime }, busybox);
  for (const a of APPLETS) p.entry({ name: `bin/${a}`, type: 'symlink', linkname: 'busybox', mtime });
  p.entry({ name: 'etc/passwd', mode: 0o644, mtime }, 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n');
  p.entry({ name: 'etc/group', mode: 0o644, mtime }, 'root:x:0:\nnogroup:x:65534:\n');
  for (const e of extra) p.entry({ name: e.path.replace(/^\//, ''), mode: e.mode ?? 0o644, mtime }, e.data);
  p.finalize();
  await done;
  return Buffer.concat(chunks);
}
