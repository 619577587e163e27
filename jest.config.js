/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/__tests__"],
  testMatch: ["**/*.test.ts"],
  transform: {
    "^.+\\.ts$": ["ts-jest", { diagnostics: false }],
  },
  globalSetup: "<rootDir>/__tests__/global-setup.js",
  setupFilesAfterEnv: ["<rootDir>/__tests__/setup.ts"],
  testTimeout: 60000,
  // Every core runs a test file (jest's default leaves one to itself): the suites spend much of their time waiting on
  // the builds, synths and tools they spawn. On the 2-core CI machine: 145 s instead of 237 s, all tests passing.
  maxWorkers: "100%",
};
