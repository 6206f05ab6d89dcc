import { defineConfig } from 'vitest/config';

// One process, no isolation: every test file shares the GPU device and its compiled
// pipelines (SwiftShader compiles take 10-400 ms each).
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    reporters: ['default', './test/summary-reporter.ts'],
    pool: 'forks',
    maxWorkers: 1,
    isolate: false,
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
