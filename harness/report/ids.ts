/** Pure: names derived from cell and test ids, shared by every report. */
export const cellAnchor = (cellId: string) => `cell-${cellId.replace(/[^A-Za-z0-9]+/g, '-').replace(/^-|-$/g, '')}`;

/** A KCIDB path component: no dots, lower case. */
export const pathPart = (s: string) => s.toLowerCase().replace(/[^a-z0-9]+/g, '_').replace(/^_|_$/g, '') || 'x';

/** `docker/apparmor-host-apparmor-container` + `default: ...` → `docker.apparmor_host_apparmor_container.default` */
export function testPath(scenario: string, name: string): string {
  return [...scenario.split('/').map(pathPart), pathPart(name).slice(0, 60)].join('.');
}
