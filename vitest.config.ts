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
  },
});
