// bane-style TOML → AppArmor profile (the exercise uses bane; the harness
// does the same transformation so the test needs no download).
import { parse } from 'smol-toml';

export interface BaneSpec {
  name: string;
  readOnly: string[];
  logOnWrite: string[];
  writable: string[];
  allowExec: string[];
  denyExec: string[];
  capabilities: string[];
  raw: boolean;
  packet: boolean;
  protocols: string[];
}

const list = (v: unknown, field: string): string[] => {
  if (v === undefined) return [];
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) throw new Error(`TOML: ${field} must be a list of strings`);
  return v;
};

/** Pure: parse and check the TOML. */
export function parseBane(text: string): BaneSpec {
  const t = parse(text) as any;
  if (typeof t.Name !== 'string' || !/^[A-Za-z0-9_.-]+$/.test(t.Name)) throw new Error('TOML: Name must be a simple profile name');
  const fs = t.Filesystem ?? {};
  const net = t.Network ?? {};
  return {
    name: `docker-${t.Name}`,
    readOnly: list(fs.ReadOnlyPaths, 'Filesystem.ReadOnlyPaths'),
    logOnWrite: list(fs.LogOnWritePaths, 'Filesystem.LogOnWritePaths'),
    writable: list(fs.WritablePaths, 'Filesystem.WritablePaths'),
    allowExec: list(fs.AllowExec, 'Filesystem.AllowExec'),
    denyExec: list(fs.DenyExec, 'Filesystem.DenyExec'),
    capabilities: list(t.Capabilities?.Allow, 'Capabilities.Allow'),
    raw: net.Raw === true,
    packet: net.Packet === true,
    protocols: list(net.Protocols, 'Network.Protocols'),
  };
}

/** Pure: the AppArmor profile for a spec. */
export function baneProfile(s: BaneSpec): string {
  const lines = [
    `profile ${s.name} flags=(attach_disconnected,mediate_deleted) {`,
    ...s.protocols.map((p) => `  network inet ${p === 'icmp' ? 'dgram' : p === 'tcp' ? 'stream' : 'dgram'},`),
    ...s.protocols.map((p) => `  network inet6 ${p === 'tcp' ? 'stream' : 'dgram'},`),
    '  network unix,',
    '  network netlink,',
    ...(s.raw ? ['  network raw,'] : ['  deny network raw,']),
    ...(s.packet ? ['  network packet,'] : ['  deny network packet,']),
    '  file,',
    '  umount,',
    '  signal,',
    ...s.denyExec.map((p) => `  deny ${p} mrwklx,`),
    ...s.allowExec.map((p) => `  ${p} ix,`),
    ...s.readOnly.map((p) => `  deny ${p} wl,`),
    ...s.logOnWrite.map((p) => `  audit ${p} w,`),
    ...s.writable.map((p) => `  ${p} rw,`),
    ...s.capabilities.map((c) => `  capability ${c},`),
    '  deny @{PROC}/sysrq-trigger rwklx,',
    '  deny /sys/[^f]*/** wklx,',
    '}',
  ];
  return `@{PROC}=/proc/\n${lines.join('\n')}\n`;
}
