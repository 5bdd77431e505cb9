/**
 * What scenario files import. Tests are written with describe/test from
 * @vitest/runner; each test's context carries the cell's `guest`.
 *
 *   import { describe, test, assert, type Requirements } from '../../harness/scenario/api.ts';
 *   export const requirements: Requirements = { lsm: ['apparmor'] };
 *   test('aa-enabled says Yes', async ({ guest }) => {
 *     assert.equal((await guest.$`aa-enabled`).text, 'Yes');
 *   });
 */
import type { Guest } from '../guest/guest.ts';

export { describe, test, beforeAll, afterAll, beforeEach, afterEach } from '@vitest/runner';
export { default as assert } from 'node:assert/strict';
export type { Requirements } from './requirements.ts';
export type { Support } from '../results.ts';
export type { Guest, CommandResult } from '../guest/guest.ts';
export { shellQuote } from '../vm/ssh.ts';
export { busyboxRootfsTar } from '../guest/images.ts';

declare module '@vitest/runner' {
  interface TestContext {
    guest: Guest;
    /**
     * This test asserts a failure the guide documents as a limitation; when it
     * passes, its verdict is `confirmed-limitation` with this reason. If the
     * limitation disappears, the test's own assertions fail.
     */
    limitation: (reason: string) => void;
  }
}
