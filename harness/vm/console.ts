import { readFile } from 'node:fs/promises';

/** Pure: the last `n` non-empty lines of console text, control characters made visible. */
export function lastLines(text: string, n = 25): string[] {
  return text
    .replace(/\r/g, '')
    .replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .slice(-n);
}

/** Pure: why a boot died, read from the console, if it says. */
export function consoleFailure(text: string): string | undefined {
  const panic = /Kernel panic - not syncing:[^\n]*/.exec(text);
  if (panic) return panic[0].trim();
  const initramfs = /LSM-MATRIX-INITRAMFS-FAILED: [^\n]*/.exec(text);
  if (initramfs) return initramfs[0].trim();
  const emergency = /(You are in emergency mode|Give root password for maintenance)[^\n]*/.exec(text);
  if (emergency) return `systemd emergency mode: ${emergency[0].trim()}`;
  return undefined;
}

export async function readConsole(path: string): Promise<string> {
  return readFile(path, 'latin1').catch(() => '');
}
