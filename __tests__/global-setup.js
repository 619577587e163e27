// Builds the project into dist/ once (as `npm run build` does), for the tests that run the entry points as a user would.
const { spawnSync } = require("child_process");
const path = require("path");

module.exports = async () => {
  const root = path.resolve(__dirname, "..");
  const result = spawnSync(process.execPath, [require.resolve("typescript/bin/tsc"), "-b", "tsconfig.build.json"], {
    cwd: root,
    encoding: "utf8",
  });
  // Type errors are reported by the type check that runs before jest; emit still happens, so only a crash stops us.
  if (result.error) throw result.error;
};
