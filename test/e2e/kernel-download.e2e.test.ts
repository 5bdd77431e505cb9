// The `deb:<url>` path end to end against a local HTTP server (these
// machines reach no archive), and an unreachable URL as an `error` cell.
import { afterAll, beforeAll, expect, test } from 'vitest';
import { createServer, type Server } from 'node:http';
import { mkdtemp, mkdir, copyFile, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { resolveKernel } from '../../harness/kernels/resolve.ts';
import { InfraError } from '../../harness/errors.ts';
import { cli, readRun } from './helpers.ts';

let server: Server;
let base: string;
let cache: string;
const prevCache = process.env.LSM_MATRIX_CACHE;

beforeAll(async () => {
  // A real kernel (Debian 6.12's vmlinuz, from the shared cache) packed as a .deb.
  const real = await resolveKernel('debian-6.12');
  const dir = await mkdtemp(join(tmpdir(), 'lsmm-kdeb-'));
  await mkdir(join(dir, 'pkg/DEBIAN'), { recursive: true });
  await mkdir(join(dir, 'pkg/boot'), { recursive: true });
  await mkdir(join(dir, 'pkg/lib/modules/6.12.0-lsmm/kernel'), { recursive: true });
  await copyFile(real.files.vmlinuz, join(dir, 'pkg/boot/vmlinuz-6.12.0-lsmm'));
  await writeFile(join(dir, 'pkg/boot/config-6.12.0-lsmm'), await readFile(real.files.config!, 'utf8'));
  await writeFile(join(dir, 'pkg/DEBIAN/control'), 'Package: linux-image-6.12.0-lsmm\nVersion: 6.12.0-1\nArchitecture: amd64\nMaintainer: x <x@example.org>\nDescription: test kernel\n');
  await execa('dpkg-deb', ['--build', '--root-owner-group', '-Zgzip', join(dir, 'pkg'), join(dir, 'k.deb')]);
  const deb = await readFile(join(dir, 'k.deb'));
  server = createServer((req, res) => {
    if (req.url === '/pool/linux-image-6.12.0-lsmm_6.12.0-1_amd64.deb') { res.writeHead(200); res.end(deb); } else { res.writeHead(404); res.end(); }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address();
  base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
  cache = await mkdtemp(join(tmpdir(), 'lsmm-kcache-'));
  process.env.LSM_MATRIX_CACHE = cache;
}, 10 * 60_000);

afterAll(async () => {
  server?.close();
  const { rm } = await import('node:fs/promises');
  await rm(cache, { recursive: true, force: true });
  if (prevCache === undefined) delete process.env.LSM_MATRIX_CACHE; else process.env.LSM_MATRIX_CACHE = prevCache;
});

test('a kernel .deb by URL is downloaded once, extracted and cached', async () => {
  const k = await resolveKernel(`deb:${base}/pool/linux-image-6.12.0-lsmm_6.12.0-1_amd64.deb`);
  expect(k.files.version).toBe('6.12.0-lsmm');
  expect(k.source).toBe('deb:linux-image-6.12.0-lsmm=6.12.0-1');
  expect(k.dir.startsWith(cache)).toBe(true);
  server.close(); // a second resolution needs no server
  const again = await resolveKernel(`deb:${base}/pool/linux-image-6.12.0-lsmm_6.12.0-1_amd64.deb`);
  expect(again.dir).toBe(k.dir);
});

test('an HTTP error and an unreachable archive are infrastructure errors naming the URL', async () => {
  await expect(resolveKernel('deb:http://127.0.0.1:9/none.deb')).rejects.toThrow(InfraError);
  await expect(resolveKernel('deb:http://127.0.0.1:9/none.deb')).rejects.toThrow(/cannot download http:\/\/127.0.0.1:9\/none.deb \(network\)/);
});

test('a run with an unreachable kernel archive: those cells are `error`, the run goes on', async () => {
  const out = await mkdtemp(join(tmpdir(), 'lsmm-ubuntu-'));
  // The CLI uses the shared cache, like a user's run would.
  if (prevCache === undefined) delete process.env.LSM_MATRIX_CACHE; else process.env.LSM_MATRIX_CACHE = prevCache;
  const r = await cli(['run', '--kernel', 'deb:http://127.0.0.1:9/pool/linux-image-4.15.0-20-generic.deb', '--stack', 'security=smack,apparmor', '--stack', 'apparmor', '--scenario', 'apparmor/enabled', '--out', out]);
  expect(r.exitCode).toBe(1);
  const run = await readRun(out);
  expect(run.status).toBe('complete');
  expect(run.cells.map((c) => c.stack.parameter)).toEqual(['security=smack,apparmor', 'lsm=apparmor']);
  for (const c of run.cells) {
    expect(c.status).toBe('error');
    expect(c.error?.message).toMatch(/^cannot download http:\/\/127\.0\.0\.1:9\/.*\(network\)/);
  }
}, 2 * 60_000);
