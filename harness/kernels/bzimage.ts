import { open } from 'node:fs/promises';

/**
 * Read the version string an x86 bzImage carries in its setup header
 * (boot protocol: "HdrS" at 0x202, kernel_version offset at 0x20e).
 * Returns undefined when the file is not a bzImage.
 */
export function bzImageVersion(head: Buffer): string | undefined {
  if (head.length < 0x210 || head.toString('latin1', 0x202, 0x206) !== 'HdrS') return undefined;
  const off = head.readUInt16LE(0x20e);
  if (off === 0) return undefined;
  const start = off + 0x200;
  if (start >= head.length) return undefined;
  const end = head.indexOf(0, start);
  const full = head.toString('latin1', start, end < 0 ? Math.min(head.length, start + 256) : end);
  // "6.12.8 (user@host) #1 SMP ..." → the release is the first word.
  return full.split(' ')[0] || undefined;
}

export async function readHead(path: string, bytes = 64 * 1024): Promise<Buffer> {
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.alloc(bytes);
    const { bytesRead } = await fh.read(buf, 0, bytes, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}
