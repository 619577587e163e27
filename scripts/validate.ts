/** `npm run validate`: checks the pipeline config and prints every problem at once. Exit 1 on any problem. */
import { ConfigError } from "../config/errors";
import { loadConfig } from "../config/load";

try {
  const { file, overriddenBy } = loadConfig();
  const overrides = overriddenBy.length > 0 ? ` (overridden by ${overriddenBy.join(", ")})` : "";
  console.log(`${file}: valid${overrides}`);
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(error.message);
  process.exitCode = 1;
}
