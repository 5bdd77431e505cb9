// The QMP client against a socket that speaks QMP and then goes away, the way
// a killed QEMU's does: the command in flight fails, nothing waits forever.
import { expect, test } from 'vitest';
import { createServer, type Socket } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Qmp } from '../../harness/vm/qmp.ts';
import { InfraError } from '../../harness/errors.ts';

async function monitor(onCommand: (sock: Socket, cmd: { execute: string }) => void) {
  const dir = await mkdtemp(join(tmpdir(), 'lsmm-qmp-'));
  const path = join(dir, 'qmp.sock');
  const server = createServer((sock) => {
    sock.write('{"QMP": {"version": {}, "capabilities": []}}\n');
    let buf = '';
    sock.on('data', (d) => {
      buf += d.toString();
      for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
        const cmd = JSON.parse(buf.slice(0, nl));
        buf = buf.slice(nl + 1);
        if (cmd.execute === 'qmp_capabilities') sock.write('{"return": {}}\n');
        else onCommand(sock, cmd);
      }
    });
  });
  await new Promise<void>((r) => server.listen(path, r));
  return { path, close: async () => { server.close(); await rm(dir, { recursive: true, force: true }); } };
}

test('a command answered: its return; events in between are skipped', async () => {
  const m = await monitor((sock) => sock.write('{"event": "STOP"}\n{"return": "done"}\n'));
  const q = await Qmp.connect(m.path);
  expect(await q.hmp('loadvm x')).toBe('done');
  q.close();
  await m.close();
});

test('QEMU gone mid-command: the command fails with an infrastructure error, and so does the next', async () => {
  const m = await monitor((sock) => sock.destroy());
  const q = await Qmp.connect(m.path);
  const first = q.hmp('loadvm x').catch((e) => e);
  expect(await first).toBeInstanceOf(InfraError);
  expect(String(await first)).toMatch(/QEMU stopped/);
  await expect(q.hmp('savevm y')).rejects.toThrow(/QEMU stopped/);
  q.close();
  await m.close();
});

test('a line that is not QMP ends the connection instead of crashing the harness', async () => {
  const m = await monitor((sock) => sock.write('garbage\n'));
  const q = await Qmp.connect(m.path);
  await expect(q.hmp('info status')).rejects.toThrow(/not QMP: garbage/);
  q.close();
  await m.close();
});
