// Smack through its filesystem interface (/sys/fs/smackfs) and xattrs; the
// image has no smack-util, so labels are set with python3's os.setxattr.
import { assert, type Guest } from '../../harness/scenario/api.ts';

export const SMACKFS = '/sys/fs/smackfs';

/** Load one rule ("subject object access") into the kernel's global rule list. */
export async function loadRule(guest: Guest, subject: string, object: string, access: string): Promise<void> {
  await guest.must`sh -c ${`echo '${subject} ${object} ${access}' > ${SMACKFS}/load2`}`;
}

/** The access a subject has on an object, as the kernel answers through smackfs/access2 ("1"/"0"). */
export async function hasRule(guest: Guest, subject: string, object: string): Promise<boolean> {
  const rules = (await guest.must`cat ${`${SMACKFS}/load2`}`).stdout;
  return rules.split('\n').some((l) => l.startsWith(`${subject} ${object} `) && !/ -+$/.test(l.trim()));
}

export async function labelFile(guest: Guest, path: string, label: string): Promise<void> {
  await guest.must`python3 -c ${`import os,sys; os.setxattr(sys.argv[1], "security.SMACK64", sys.argv[2].encode())`} ${path} ${label}`;
}

/**
 * Exit code of reading `path` as a task labelled `subject`, without
 * CAP_MAC_OVERRIDE (with it, root passes every Smack check). Output goes to
 * /dev/null (labelled `*`): writing to the SSH session's pipes, labelled `_`,
 * would itself be denied to a non-floor subject.
 */
export async function readAs(guest: Guest, subject: string, path: string): Promise<number> {
  const r = await guest.run(`sh -c 'echo ${subject} > /proc/self/attr/smack/current && exec setpriv --bounding-set=-mac_override,-mac_admin cat ${path}' >/dev/null 2>&1`);
  return r.exitCode;
}

export async function currentLabel(guest: Guest): Promise<string> {
  const r = await guest.$`cat /proc/self/attr/smack/current`;
  assert.equal(r.exitCode, 0, `cannot read /proc/self/attr/smack/current: ${r.stderr}`);
  return r.text.replace(/\0/g, '');
}
