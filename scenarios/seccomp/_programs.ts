// Test programs compiled on the host (static, so the guest needs no
// toolchain), cached by the hash of their source.
import { readFile, mkdir } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { buildOnce, cacheRoot } from '../../harness/cache.ts';

const DIR = fileURLToPath(new URL('./programs/', import.meta.url));

export async function compileStatic(source: string, libs: string[] = []): Promise<Buffer> {
  const src = join(DIR, source);
  const hash = createHash('sha256').update(await readFile(src)).update(libs.join(' ')).digest('hex').slice(0, 12);
  const dir = join(cacheRoot(), 'programs', `${source}-${hash}`);
  await mkdir(join(cacheRoot(), 'programs'), { recursive: true });
  await buildOnce(dir, async (tmp) => {
    const r = await execa('gcc', ['-static', '-O2', '-o', join(tmp, 'a.out'), src, ...libs], { reject: false, all: true });
    if (r.exitCode !== 0) {
      const why = (r as any).code === 'ENOENT' ? 'gcc not installed (apt-get install gcc libseccomp-dev)' : String(r.all).slice(-800);
      throw new Error(`cannot compile ${source} on the host: ${why}`);
    }
  });
  return readFile(join(dir, 'a.out'));
}
