import { execa, type Options } from 'execa';
import { UserError } from './errors.ts';

/** What `file` says a path is (for messages that refuse a path); `unknown` when it cannot tell. */
export async function describeFile(path: string): Promise<string> {
  const r = await execa('file', ['-b', path], { reject: false });
  return String(r.stdout || 'unknown').slice(0, 80);
}

/**
 * Run a host tool and return its stdout. A missing tool becomes a UserError
 * naming the Debian package that provides it.
 */
export async function sh(file: string, args: string[], opts: Options & { pkg?: string } = {}): Promise<string> {
  const { pkg, ...rest } = opts;
  try {
    const r = await execa(file, args, { ...rest, stripFinalNewline: true });
    return String(r.stdout ?? '');
  } catch (e: any) {
    if (e?.code === 'ENOENT') {
      throw new UserError(`\`${file}\` is not installed${pkg ? `: apt-get install ${pkg}` : ''}`);
    }
    const stderr = String(e?.stderr ?? '').trim().split('\n').slice(-5).join(' | ');
    throw new Error(`${file} ${args.join(' ').slice(0, 200)} failed (exit ${e?.exitCode ?? '?'}): ${stderr || e?.shortMessage || e}`);
  }
}
