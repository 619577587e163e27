/**
 * Two projects: `unit` (in-process tests, `*.test.ts`; `npm run test:unit`, under 30 s) and `integration`
 * (`*.integration.test.ts`: tests that run a real tool — terraform, nginx, promtool, git, npm pack — or spawn the
 * built app, its scripts, or whole synths into directories). `npm test` runs lint, the type check and both.
 */
const common = {
  testEnvironment: "node",
  roots: ["<rootDir>/__tests__"],
  transform: {
    "^.+\\.ts$": ["ts-jest", { diagnostics: false }],
  },
  setupFilesAfterEnv: ["<rootDir>/__tests__/setup.ts"],
};

/** @type {import('jest').Config} */
module.exports = {
  projects: [
    {
      ...common,
      displayName: "unit",
      testMatch: ["**/*.test.ts"],
      testPathIgnorePatterns: ["\\.integration\\.test\\.ts$"],
    },
    // Builds dist/ once for the suites that run the compiled app and scripts.
    {
      ...common,
      displayName: "integration",
      testMatch: ["**/*.integration.test.ts"],
      globalSetup: "<rootDir>/__tests__/global-setup.js",
    },
  ],
  testTimeout: 60000,
  // Every core runs a test file (jest's default leaves one to itself): the suites spend much of their time waiting on
  // the builds, synths and tools they spawn.
  maxWorkers: "100%",
};
