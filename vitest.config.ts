import { defineConfig } from 'vitest/config';

/*
 * Three tiers, chosen by path so a new test file lands in one without editing this file
 * (docs/testing.md):
 *  - e2e:         whole journeys (training, the real binary, the virtual board): tests/e2e/, tests/qa/,
 *                 and any *.e2e.test.ts;
 *  - integration: tests that run a compiler, a child process, a pty or QEMU: tests/boards/,
 *                 tests/native/, every cli.test.ts, any *.int.test.ts (e.g. the libFuzzer runs in
 *                 tests/fuzz/), and the older files below that predate the suffix;
 *  - unit:        everything else (pure TypeScript, in-process).
 * `npm test` runs all three; `npm run test:unit` etc. one.
 */
const E2E = ['tests/e2e/**/*.test.ts', 'tests/qa/**/*.test.ts', 'tests/**/*.e2e.test.ts'];
const INTEGRATION = [
  'tests/boards/**/*.test.ts',
  'tests/native/**/*.test.ts',
  'tests/**/cli.test.ts',
  'tests/**/*.int.test.ts',
  // Spawn or compile, named before the suffix convention.
  'tests/device/{axes,e2e-native,link-c,protocol-gen,resample,robustness,suite}.test.ts',
  'tests/firmware/settings-header.test.ts',
  'tests/tflite/carray.test.ts',
  'tests/train/config.test.ts',
  'tests/data/import.test.ts',
];
const ALL = ['tests/**/*.test.ts'];
const ALWAYS_EXCLUDED = ['**/node_modules/**'];

export default defineConfig({
  test: {
    // Training, QEMU and compiler runs take seconds; speed targets live in `npm run bench`, not here.
    testTimeout: 300_000,
    hookTimeout: 300_000,
    pool: 'forks',
    reporters: ['default'],
    projects: [
      { extends: true, test: { name: 'unit', include: ALL, exclude: [...ALWAYS_EXCLUDED, ...E2E, ...INTEGRATION] } },
      { extends: true, test: { name: 'integration', include: INTEGRATION, exclude: [...ALWAYS_EXCLUDED, ...E2E] } },
      { extends: true, test: { name: 'e2e', include: E2E, exclude: ALWAYS_EXCLUDED } },
    ],
  },
});
