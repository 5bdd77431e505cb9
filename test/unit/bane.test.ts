import { expect, test } from 'vitest';
import { readFile } from 'node:fs/promises';
import { baneProfile, parseBane } from '../../scenarios/docker/_bane.ts';

test('the sample TOML becomes a profile with its rules', async () => {
  const spec = parseBane(await readFile(new URL('../../scenarios/docker/profiles/sample.toml', import.meta.url), 'utf8'));
  expect(spec.name).toBe('docker-lsmm-sample');
  const p = baneProfile(spec);
  expect(p).toMatch(/^profile docker-lsmm-sample flags=\(attach_disconnected,mediate_deleted\) \{$/m);
  expect(p).toContain('  deny /usr/local/bin/sh mrwklx,');
  expect(p).toContain('  /var/tmp/** rw,');
  expect(p).toContain('  deny /tmp/** wl,');
  expect(p).toContain('  deny network raw,');
  expect(p).toContain('  capability net_bind_service,');
});

test('bad TOML is refused with the field named', () => {
  expect(() => parseBane('Name = "x y"')).toThrow(/Name must be/);
  expect(() => parseBane('Name = "x"\n[Filesystem]\nWritablePaths = "/tmp"')).toThrow(/Filesystem.WritablePaths must be a list/);
});
