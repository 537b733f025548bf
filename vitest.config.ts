import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // One real PostgreSQL 17 for the whole run (test/helpers/postgres.ts explains how to use it).
    globalSetup: ['test/setup/postgres.ts'],
    // Integration tests spawn real scripts, fake flyctl and PostgreSQL: give them room.
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // Test files wait on child processes and PostgreSQL more than on the CPU: use both cores
    // (vitest's default on 2 cores is 1 worker). Files share nothing (ports, folders, databases
    // and fake-flyctl state are per test), so they may run side by side.
    maxWorkers: 2,
  },
});
