import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Integration tests spawn real scripts, fake flyctl and PostgreSQL: give them room.
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
