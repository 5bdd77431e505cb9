import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-tmpdir.ts'],
    // Real guests: one test file at a time, so two files never fight over 2 cores.
    fileParallelism: false,
    testTimeout: 30_000,
    hookTimeout: 60 * 60_000,
    reporters: ['verbose'],
  },
});
