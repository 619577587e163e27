/**
 * The shell scripts of the generated workflows, kept as files in `constructs/workflows/scripts/` so they can be read,
 * linted (shellcheck) and run on their own; a builder inlines a script into its `run:` step. They are read when a
 * workflow is built, never at module load, and from the package's own directory wherever its code was compiled or
 * bundled to. Values reach a script only through its step's `env`.
 */
import * as fs from "fs";
import * as path from "path";

const SCRIPTS_DIRECTORY = path.join("constructs", "workflows", "scripts");
const cache = new Map<string, string>();

/** The script `name` (e.g. `release-plan.sh`), without its final newline. */
export function workflowScript(name: string): string {
  let text = cache.get(name);
  if (text === undefined) {
    text = fs.readFileSync(path.join(scriptsDirectory(), name), "utf8").replace(/\n$/, "");
    cache.set(name, text);
  }
  return text;
}

/** The package's scripts directory: up from this file (source, dist/ or a bundle) to the directory that holds it. */
function scriptsDirectory(): string {
  for (let directory = __dirname; ; directory = path.dirname(directory)) {
    const candidate = path.join(directory, SCRIPTS_DIRECTORY);
    if (fs.existsSync(candidate)) return candidate;
    if (path.dirname(directory) === directory)
      throw new Error(
        `the workflow scripts (${SCRIPTS_DIRECTORY}) are missing beside ${__dirname}; reinstall wtfb-deploy`,
      );
  }
}
