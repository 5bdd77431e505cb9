import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { execa } from 'execa';
import { UserError } from '../errors.ts';

/** One patch to apply: a name for messages and its text. */
export interface Patch {
  name: string;
  text: string;
}

/**
 * Pure: split an mbox (`git format-patch --stdout`, a mailing-list archive)
 * into its messages, named by their subjects.
 */
export function splitMbox(text: string, source: string): Patch[] {
  const starts = [...text.matchAll(/^From [0-9a-f]{40} |^From \S+@\S+ /gm)].map((m) => m.index!);
  if (starts.length === 0) return [{ name: source, text }];
  return starts.map((s, i) => {
    const msg = text.slice(s, starts[i + 1] ?? text.length);
    const subject = /^Subject:\s*(.+)$/m.exec(msg)?.[1]?.trim() ?? `message ${i + 1}`;
    return { name: `${source} #${i + 1} (${subject})`, text: msg };
  });
}

/** The patches a `patches=` path names: a directory of *.patch/*.diff (in name order), one patch file, or an mbox. */
export async function loadPatches(path: string): Promise<Patch[]> {
  const st = await stat(path).catch(() => undefined);
  if (!st) throw new UserError(`patches \`${path}\` do not exist`);
  if (st.isDirectory()) {
    const names = (await readdir(path)).filter((f) => /\.(patch|diff|mbox)$/.test(f)).sort();
    if (names.length === 0) throw new UserError(`patch directory \`${path}\` holds no .patch, .diff or .mbox files`);
    const out: Patch[] = [];
    for (const n of names) out.push(...splitMbox(await readFile(join(path, n), 'utf8'), n));
    return out;
  }
  return splitMbox(await readFile(path, 'utf8'), basename(path));
}

/**
 * Pure: from `patch`'s output, the file and hunk that failed
 * ("patching file fs/x.c" followed by "Hunk #2 FAILED at 120.").
 */
export function patchFailure(output: string): string {
  let file = '';
  const failed: string[] = [];
  for (const line of output.split('\n')) {
    const f = /^(?:patching|checking) file (.+)$/.exec(line);
    if (f) file = f[1]!.replace(/^'|'$/g, '');
    const h = /^(Hunk #\d+ FAILED at \d+.*)$/.exec(line);
    if (h) failed.push(`${file}: ${h[1]}`);
    const missing = /^can't find file to patch|No file to patch/.exec(line);
    if (missing) failed.push(`${file || 'a file'}: the file to patch does not exist`);
    if (/^Reversed \(or previously applied\) patch detected/.test(line)) failed.push(`${file}: already applied (reversed patch detected)`);
  }
  return failed.length ? failed.join('; ') : output.trim().split('\n').slice(-3).join(' | ') || 'patch failed';
}

/**
 * Apply patches in order to a tree. Each is dry-run first so a failing patch
 * leaves the tree as the previous patch left it; the error names the patch and hunk.
 */
export async function applyPatches(tree: string, patches: Patch[], log: (line: string) => void): Promise<void> {
  for (const [i, p] of patches.entries()) {
    const file = join(tree, `.lsmm-patch-${i}`);
    await writeFile(file, p.text);
    for (const dry of [true, false]) {
      const r = await execa('patch', ['-p1', '--forward', '--batch', ...(dry ? ['--dry-run'] : []), '-i', file], { cwd: tree, all: true, reject: false });
      log(`patch ${p.name}${dry ? ' (dry run)' : ''}:\n${r.all ?? ''}`);
      if ((r as any).code === 'ENOENT') throw new UserError('`patch` is not installed: apt-get install patch');
      if (r.exitCode !== 0) throw new UserError(`patch ${i + 1}/${patches.length} \`${p.name}\` does not apply: ${patchFailure(String(r.all ?? ''))}`);
    }
  }
}
