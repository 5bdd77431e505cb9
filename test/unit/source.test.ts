import { describe, expect, test } from 'vitest';
import { mkdtemp, writeFile, mkdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseKernelSpec } from '../../harness/kernels/spec.ts';
import { applyPatches, loadPatches, patchFailure, splitMbox } from '../../harness/kernels/patches.ts';
import { fragmentOptions, readFragments, unmetOptions } from '../../harness/kernels/fragments.ts';
import { buildFailure } from '../../harness/kernels/source.ts';
import { UserError } from '../../harness/errors.ts';

describe('source: kernel specs', () => {
  test('catalogue Smack kernels are Debian source builds with the two fragments', () => {
    expect(parseKernelSpec('debian-6.12+smack')).toEqual({ kind: 'source', origin: 'debian-6.12', fragments: ['containers', 'smack-apparmor'] });
    expect(parseKernelSpec('debian-6.1+smack')).toMatchObject({ kind: 'source', origin: 'debian-6.1' });
  });
  test('a tree with patches and fragments', () => {
    expect(parseKernelSpec('source:~/linux,patches=/p/series.mbox,fragments=a+b')).toEqual({ kind: 'source', origin: '~/linux', patches: '/p/series.mbox', fragments: ['a', 'b'] });
  });
  test('bad options are refused', () => {
    expect(() => parseKernelSpec('source:')).toThrow(/no source after `source:`/);
    expect(() => parseKernelSpec('source:debian-6.12,jobs=4')).toThrow(/unknown option `jobs=4`/);
  });
});

describe('config fragments', () => {
  test('set, unset and string options are read', () => {
    const m = fragmentOptions('CONFIG_A=y\n# CONFIG_B is not set\nCONFIG_LSM="smack,apparmor"\n# a comment\n');
    expect([...m]).toEqual([['CONFIG_A', 'y'], ['CONFIG_B', 'n'], ['CONFIG_LSM', '"smack,apparmor"']]);
  });
  test('options that did not stick are named with what the .config has', () => {
    const wanted = fragmentOptions('CONFIG_SECURITY_SMACK=y\nCONFIG_SQUASHFS=m\n# CONFIG_DRM is not set\nCONFIG_NOT_IN_THIS_KERNEL=y\n');
    const got = fragmentOptions('CONFIG_SECURITY_SMACK=y\nCONFIG_SQUASHFS=y\n');
    expect(unmetOptions(wanted, got)).toEqual(['CONFIG_NOT_IN_THIS_KERNEL=y (got n)']);
  });
  test('every shipped fragment parses and the Smack one lists both LSMs in CONFIG_LSM', async () => {
    const frags = await readFragments(['base', 'containers', 'smack-apparmor']);
    for (const f of frags) expect(fragmentOptions(f.text).size).toBeGreaterThan(5);
    const lsm = fragmentOptions(frags[2]!.text).get('CONFIG_LSM')!;
    expect(lsm).toMatch(/smack/);
    expect(lsm).toMatch(/apparmor/);
  });
  test('an unknown fragment is a user error naming where it looked', async () => {
    await expect(readFragments(['nope'])).rejects.toThrow(/config fragment `nope` not found \(looked at .*kernels\/fragments\/nope.config\)/);
  });
});

const PATCH = (file: string, from: string, to: string) =>
  `--- a/${file}\n+++ b/${file}\n@@ -1,3 +1,3 @@\n line one\n-${from}\n+${to}\n line three\n`;

describe('patches', () => {
  test('an mbox is split into its messages, named by subject', () => {
    const mbox = `From 0123456789abcdef0123456789abcdef01234567 Mon Sep 17 00:00:00 2001\nSubject: [PATCH 1/2] lsm: one\n\n${PATCH('a', 'x', 'y')}\nFrom 1123456789abcdef0123456789abcdef01234567 Mon Sep 17 00:00:00 2001\nSubject: [PATCH 2/2] lsm: two\n\n${PATCH('b', 'x', 'y')}`;
    const p = splitMbox(mbox, 'series.mbox');
    expect(p.map((x) => x.name)).toEqual(['series.mbox #1 ([PATCH 1/2] lsm: one)', 'series.mbox #2 ([PATCH 2/2] lsm: two)']);
    expect(splitMbox(PATCH('a', 'x', 'y'), '0001.patch')).toHaveLength(1);
  });
  test('patch output is reduced to the file and hunk that failed', () => {
    const out = 'checking file security/security.c\nHunk #1 succeeded at 10.\nHunk #2 FAILED at 120.\n1 out of 2 hunks FAILED\n';
    expect(patchFailure(out)).toBe('security/security.c: Hunk #2 FAILED at 120.');
    expect(patchFailure("can't find file to patch at input line 3\nNo file to patch.  Skipping patch.\n")).toMatch(/the file to patch does not exist/);
  });
  test('real patch(1): the first applies, the second fails naming patch and hunk, the tree keeps the first', async () => {
    const tree = await mkdtemp(join(tmpdir(), 'lsmm-patch-'));
    await writeFile(join(tree, 'f.c'), 'line one\nline two\nline three\n');
    const dir = join(tree, '..', `${tree.split('/').pop()}-patches`);
    await mkdir(dir);
    await writeFile(join(dir, '0001-good.patch'), PATCH('f.c', 'line two', 'line 2'));
    await writeFile(join(dir, '0002-bad.patch'), PATCH('f.c', 'line twenty', 'line 20'));
    const patches = await loadPatches(dir);
    const err = await applyPatches(tree, patches, () => {}).catch((e) => e);
    expect(err).toBeInstanceOf(UserError);
    expect(err.message).toMatch(/^patch 2\/2 `0002-bad.patch` does not apply: f.c: Hunk #1 FAILED at 1/);
    expect(await readFile(join(tree, 'f.c'), 'utf8')).toBe('line one\nline 2\nline three\n');
  });
  test('an empty patch directory is refused', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'lsmm-nopatch-'));
    await expect(loadPatches(dir)).rejects.toThrow(/holds no .patch, .diff or .mbox files/);
  });
});

test('a build failure keeps the compiler\'s error lines', () => {
  const log = 'CC init/main.o\nCC security/smack/smack_lsm.o\nsecurity/smack/smack_lsm.c:12:1: error: expected \';\' before \'}\' token\nmake[4]: *** [scripts/Makefile.build:229: security/smack/smack_lsm.o] Error 1\n';
  expect(buildFailure(log)).toBe("security/smack/smack_lsm.c:12:1: error: expected ';' before '}' token\nmake[4]: *** [scripts/Makefile.build:229: security/smack/smack_lsm.o] Error 1");
});
