// A harness process that dies of an uncaught exception (no signal, so no
// async cleanups) still leaves no QEMU and no overlay behind.
import { expect, test } from 'vitest';
import { existsSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { ROOT, processesMentioning } from './helpers.ts';

test('an uncaught exception while a guest runs: QEMU ends and the overlay goes', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'lsmm-crash-'));
  const script = join(dir, 'crash.mts');
  await writeFile(script, `
import { prepareKernel } from '${ROOT}harness/prepare.ts';
import { ensureImage } from '${ROOT}harness/images/build.ts';
import { bootVm } from '${ROOT}harness/vm/qemu.ts';
const k = await prepareKernel('debian-6.12');
const image = await ensureImage('bookworm-containers');
const vm = await bootVm({ vmlinuz: k.files.vmlinuz, initramfs: k.initramfs, base: image.base, cmdline: '', accel: { kind: 'tcg', reason: 'test' }, workDir: '${dir}/w' });
console.log('BOOTED', vm.pid, vm.overlay);
setTimeout(() => { throw new Error('boom'); }, 1000);
`);
  const r = await execa('npx', ['tsx', script], { cwd: ROOT, reject: false, all: true });
  expect(r.exitCode, String(r.all).slice(-2000)).not.toBe(0);
  const m = /BOOTED (\d+) (\S+)/.exec(String(r.stdout));
  expect(m, String(r.all).slice(-2000)).not.toBeNull();
  expect(existsSync(m![2]!)).toBe(false);
  for (let i = 0; i < 50 && (await processesMentioning(`${dir}/w`)).length; i++) await new Promise((res) => setTimeout(res, 100));
  expect(await processesMentioning(`${dir}/w`)).toEqual([]);
}, 10 * 60_000);
