/**
 * A writer for the kernel's initramfs format: cpio "newc" (070701), as
 * documented in the kernel's Documentation/driver-api/early-userspace.
 * Pure: entries in, bytes out.
 */
export type CpioEntry =
  | { type: 'dir'; path: string; mode?: number }
  | { type: 'file'; path: string; data: Buffer; mode?: number }
  | { type: 'symlink'; path: string; target: string }
  | { type: 'chardev'; path: string; major: number; minor: number; mode?: number };

const S_IFDIR = 0o040000;
const S_IFREG = 0o100000;
const S_IFLNK = 0o120000;
const S_IFCHR = 0o020000;

const hex8 = (n: number) => n.toString(16).padStart(8, '0');
const pad4 = (n: number) => (4 - (n % 4)) % 4;

function record(ino: number, mode: number, name: string, data: Buffer, rdev: [number, number] = [0, 0]): Buffer {
  const nameBuf = Buffer.from(`${name}\0`, 'utf8');
  const header = `070701${[ino, mode, 0, 0, mode & S_IFDIR ? 2 : 1, 0, data.length, 0, 0, rdev[0], rdev[1], nameBuf.length, 0].map(hex8).join('')}`;
  const head = Buffer.from(header, 'latin1');
  return Buffer.concat([
    head, nameBuf, Buffer.alloc(pad4(head.length + nameBuf.length)),
    data, Buffer.alloc(pad4(data.length)),
  ]);
}

export function writeCpio(entries: CpioEntry[]): Buffer {
  const parts: Buffer[] = [];
  let ino = 1;
  for (const e of entries) {
    const name = e.path.replace(/^\/+/, '');
    if (!name) throw new Error('cpio entry with an empty path');
    switch (e.type) {
      case 'dir':
        parts.push(record(ino++, S_IFDIR | (e.mode ?? 0o755), name, Buffer.alloc(0)));
        break;
      case 'file':
        parts.push(record(ino++, S_IFREG | (e.mode ?? 0o644), name, e.data));
        break;
      case 'symlink':
        parts.push(record(ino++, S_IFLNK | 0o777, name, Buffer.from(e.target, 'utf8')));
        break;
      case 'chardev':
        parts.push(record(ino++, S_IFCHR | (e.mode ?? 0o600), name, Buffer.alloc(0), [e.major, e.minor]));
        break;
    }
  }
  parts.push(record(0, 0, 'TRAILER!!!', Buffer.alloc(0)));
  return Buffer.concat(parts);
}

/** Pure: read newc records back (for tests and for `doctor`). */
export function readCpio(buf: Buffer): { path: string; mode: number; data: Buffer; rdev: [number, number] }[] {
  const out = [];
  let off = 0;
  for (;;) {
    const magic = buf.toString('latin1', off, off + 6);
    if (magic !== '070701') throw new Error(`bad cpio magic at ${off}: ${JSON.stringify(magic)}`);
    const field = (i: number) => parseInt(buf.toString('latin1', off + 6 + i * 8, off + 14 + i * 8), 16);
    const mode = field(1);
    const size = field(6);
    const rdev: [number, number] = [field(9), field(10)];
    const nameSize = field(11);
    const nameStart = off + 110;
    const path = buf.toString('utf8', nameStart, nameStart + nameSize - 1);
    const dataStart = nameStart + nameSize + pad4(110 + nameSize);
    const data = buf.subarray(dataStart, dataStart + size);
    off = dataStart + size + pad4(size);
    if (path === 'TRAILER!!!') return out;
    out.push({ path, mode, data, rdev });
  }
}
