// Docker in the guest, offline: started on demand, with a busybox image the
// harness builds (no registry is reachable from a guest).
import { assert, busyboxRootfsTar, type Guest } from '../../harness/scenario/api.ts';

export const IMAGE = 'lsmm/busybox';

export async function ensureDocker(guest: Guest): Promise<void> {
  const start = await guest.run('systemctl start docker', { timeoutMs: 180_000 });
  assert.equal(start.exitCode, 0, `docker did not start: ${start.stderr.trim()} ${(await guest.run('journalctl -u docker -n 20 --no-pager')).stdout}`);
  if ((await guest.$`docker image inspect ${IMAGE}`).exitCode !== 0) {
    await guest.put('/tmp/lsmm-busybox.tar', await busyboxRootfsTar());
    await guest.must`docker import /tmp/lsmm-busybox.tar ${IMAGE}`;
  }
}

/** Run a container detached; returns its id and the host pid of its init. */
export async function runDetached(guest: Guest, opts: string[], cmd: string[]): Promise<{ id: string; pid: string }> {
  const r = await guest.$`docker run -d --network none ${opts} ${IMAGE} ${cmd}`;
  assert.equal(r.exitCode, 0, `docker run failed: ${r.stderr.trim()}`);
  const id = r.text.split('\n').at(-1)!;
  const pid = (await guest.$`docker inspect -f {{.State.Pid}} ${id}`).text;
  return { id, pid };
}
