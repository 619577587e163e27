/** `npm run validate`: checks the pipeline config and prints every problem at once. Exit 1 on any problem. */
import * as path from "path";
import { ConfigError } from "../config/errors";
import { loadConfig } from "../config/load";

try {
  const { file, overriddenBy } = loadConfig();
  const overrides = overriddenBy.length > 0 ? ` (overridden by ${overriddenBy.join(", ")})` : "";
  // The file as the problems name it: relative to the working directory.
  console.log(`${path.relative(process.cwd(), file) || file}: valid${overrides}`);
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(error.message);
  process.exitCode = 1;
}
