import { chmod, mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { cacheRoot, exists } from '../cache.ts';
import { sh } from '../proc.ts';

export interface SshKey {
  privateKeyPath: string;
  publicKeyPath: string;
  privateKey: Buffer;
}

/** The harness's own key pair, made on this machine the first time it is needed (mode 0600). */
export async function ensureKey(): Promise<SshKey> {
  const dir = join(cacheRoot(), 'ssh');
  const priv = join(dir, 'id_ed25519');
  await mkdir(dir, { recursive: true, mode: 0o700 });
  if (!(await exists(priv))) {
    await sh('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'lsm-matrix', '-f', priv], { pkg: 'openssh-client' });
  }
  await chmod(priv, 0o600);
  return { privateKeyPath: priv, publicKeyPath: `${priv}.pub`, privateKey: await readFile(priv) };
}
