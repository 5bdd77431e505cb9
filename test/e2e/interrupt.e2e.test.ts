// Ctrl-C during a boot: QEMU ends, the overlay goes, the partial results stay.
import { expect, test } from 'vitest';
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { CLI, ROOT, processesMentioning, readRun } from './helpers.ts';
import { cacheRoot } from '../../harness/cache.ts';

test('SIGINT during a boot leaves no QEMU and no overlay, and keeps run.json', async () => {
  const out = await mkdtemp(join(tmpdir(), 'lsmm-int-'));
  const child = execa('node', [CLI, 'run', '--kernel', 'debian-6.12', '--stack', 'apparmor', '--out', out], { cwd: ROOT, reject: false, all: true });
  let seen = '';
  await new Promise<void>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no boot started: ${seen}`)), 20 * 60_000);
    child.all!.on('data', (d: Buffer) => {
      seen += d.toString();
      if (/booting \(/.test(seen)) { clearTimeout(t); resolve(); }
    });
  });
  await new Promise((r) => setTimeout(r, 4000));
  const qemus = await processesMentioning(out);
  expect(qemus.length).toBeGreaterThan(0); // the guest really was booting
  child.kill('SIGINT');
  const r = await child;
  expect(r.exitCode).toBe(130);
  expect(await processesMentioning(out)).toEqual([]);
  const scratch = await readdir(join(cacheRoot(), 'scratch')).catch(() => [] as string[]);
  expect(scratch.filter((d) => d.startsWith(`vm-${child.pid}-`))).toEqual([]);
  const run = await readRun(out);
  expect(run.status).toBe('interrupted');
  expect(run.cells).toHaveLength(1);
  expect(await readFile(join(out, 'cells', 'debian-6.12_apparmor', 'console.log'), 'utf8')).toMatch(/Linux version/);
}, 30 * 60_000);
