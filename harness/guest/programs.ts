// Test programs for the guest, compiled on the host (static, so the guest
// needs no toolchain) and cached by the hash of their source and libraries.
import { readFile, mkdir } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { buildOnce, cacheRoot } from '../cache.ts';

/** `source`: the C file, e.g. `new URL('./programs/strict.c', import.meta.url)` from a scenario. */
export async function compileStatic(source: URL, libs: string[] = []): Promise<Buffer> {
  const src = fileURLToPath(source);
  const name = basename(src);
  const hash = createHash('sha256').update(await readFile(src)).update(libs.join(' ')).digest('hex').slice(0, 12);
  const dir = join(cacheRoot(), 'programs', `${name}-${hash}`);
  await mkdir(join(cacheRoot(), 'programs'), { recursive: true });
  await buildOnce(dir, async (tmp) => {
    const r = await execa('gcc', ['-static', '-O2', '-o', join(tmp, 'a.out'), src, ...libs], { reject: false, all: true });
    if (r.exitCode !== 0) {
      const why = (r as any).code === 'ENOENT' ? 'gcc not installed (apt-get install gcc libseccomp-dev)' : String(r.all).slice(-800);
      throw new Error(`cannot compile ${name} on the host: ${why}`);
    }
  });
  return readFile(join(dir, 'a.out'));
}
