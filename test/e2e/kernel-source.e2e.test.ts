// A source: kernel with a patch series where the second patch does not apply,
// against Debian's real linux-source-6.12: exit 2 naming the patch and the
// hunk, the build log kept, nothing entering the kernel cache. (A whole build
// takes tens of minutes on 2 cores: it is a README command, not a CI test.)
import { expect, test } from 'vitest';
import { mkdtemp, mkdir, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli } from './helpers.ts';

const README = `--- a/README\n+++ b/README\n@@ -1,4 +1,4 @@\n-Linux kernel\n+Linux kernel (lsm-matrix)\n ============\n \n There are several guides for kernel developers and users. These guides can\n`;
const SMACK = `--- a/security/smack/Kconfig\n+++ b/security/smack/Kconfig\n@@ -1,5 +1,5 @@\n # SPDX-License-Identifier: GPL-2.0-only\n config SECURITY_SMACK\n-\tbool "Simplified Mandatory Access Control Kernel Support (old)"\n+\tbool "Simplified Mandatory Access Control"\n \tdepends on NET\n \tdepends on INET\n`;

test('a patch that does not apply: exit 2 naming patch and hunk, no kernel cached', async () => {
  const cache = await mkdtemp(join(tmpdir(), 'lsmm-srccache-'));
  const patches = join(cache, '..', `${cache.split('/').pop()}-series`);
  await mkdir(patches);
  await writeFile(join(patches, '0001-readme.patch'), README);
  await writeFile(join(patches, '0002-smack-title.patch'), SMACK);
  const r = await cli(['kernel', 'build', `source:debian-6.12,fragments=smack-apparmor,patches=${patches}`], { env: { ...process.env, LSM_MATRIX_CACHE: cache } as Record<string, string>, timeoutMs: 10 * 60_000 });
  expect(r.exitCode).toBe(2);
  expect(r.stderr).toMatch(/applying 2 patch\(es\)/);
  expect(r.stderr).toMatch(/lsm-matrix: source:debian-6.12,.*: patch 2\/2 `0002-smack-title.patch` does not apply: security\/smack\/Kconfig: Hunk #1 FAILED at 1\./);
  const logLine = /full log: (\S+)/.exec(r.stderr)?.[1];
  expect(logLine).toBeDefined();
  const kernels = await readdir(join(cache, 'kernels'));
  expect(kernels.filter((d) => d.startsWith('source_'))).toEqual([]);
  expect(await readdir(join(cache, 'kernels', 'source-index')).catch(() => [])).toEqual([]);
  expect(await readdir(join(cache, 'scratch')).catch(() => [])).toEqual([]);
  expect((await readdir(join(cache, 'kernels', 'logs'))).length).toBe(1);
}, 10 * 60_000);
