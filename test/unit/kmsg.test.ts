// The marker bookkeeping of the kernel-log stream, over a stand-in channel
// that echoes each marker back the way the guest's loop and `dmesg -w` do.
import { EventEmitter } from 'node:events';
import { expect, test } from 'vitest';
import type { ClientChannel } from 'ssh2';
import { KernelLog } from '../../harness/guest/kmsg.ts';

class FakeChannel extends EventEmitter {
  stderr = { resume: () => undefined };
  /** Kernel lines the guest prints before it writes the next marker back. */
  pending: string[] = [];
  /** Chunk sizes to cut the output into, as a TCP stream may. */
  chunk = 7;
  write(s: string): boolean {
    const out = [...this.pending, `[   12.000000] ${s.trimEnd()}`].join('\n') + '\n';
    this.pending = [];
    setImmediate(() => {
      for (let i = 0; i < out.length; i += this.chunk) this.emit('data', Buffer.from(out.slice(i, i + this.chunk)));
    });
    return true;
  }
  close(): void {
    this.emit('close');
  }
}

const open = () => {
  const ch = new FakeChannel();
  return { ch, log: new KernelLog(ch as unknown as ClientChannel) };
};

test('lines before the first marker belong to no test; each later marker returns the lines since the one before', async () => {
  const { ch, log } = open();
  expect(log.started).toBe(false);
  ch.pending = ['[    1.0] boot line', '[    2.0] another'];
  expect(await log.mark()).toEqual(['[    1.0] boot line', '[    2.0] another']);
  expect(log.started).toBe(true);
  ch.pending = ['[    3.0] audit: type=1400 apparmor="DENIED" operation="open"'];
  expect(await log.mark()).toEqual(['[    3.0] audit: type=1400 apparmor="DENIED" operation="open"']);
  expect(await log.mark()).toEqual([]);
});

test('a closed stream fails the waiting marker and every later one with the cause', async () => {
  const { ch, log } = open();
  ch.write = () => true; // the marker never comes back
  const waiting = log.mark();
  ch.close();
  await expect(waiting).rejects.toThrow(/kernel log stream closed/);
  await expect(log.mark()).rejects.toThrow(/kernel log stream closed/);
});

test('a marker that does not come back in time is an error, not a hang, and the log has not started', async () => {
  const { ch, log } = open();
  const echo = ch.write.bind(ch);
  ch.write = () => true;
  await expect(log.mark(50)).rejects.toThrow(/marker not back after/);
  expect(log.started).toBe(false);
  ch.write = echo;
  await log.mark();
  expect(log.started).toBe(true);
});

test('a flood is cut at 2000 lines per test', async () => {
  const { ch, log } = open();
  await log.mark();
  ch.chunk = 4096;
  ch.pending = Array.from({ length: 2500 }, (_, i) => `[ 5.0] line ${i}`);
  const lines = await log.mark();
  expect(lines).toHaveLength(2000);
  expect(lines[1999]).toBe('[ 5.0] line 1999');
});
