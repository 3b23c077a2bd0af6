import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // 2-core machines: keep test files from fighting over cores with the workers they start.
    fileParallelism: true,
    maxWorkers: 2,
    // json: .ci/run reads the pass/fail counts from it
    reporters: ['default', 'json'],
    outputFile: { json: 'test-output/vitest.json' },
  },
});
