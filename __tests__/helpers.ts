import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ConfigError, type ConfigIssue } from "../config/errors";
import { parseConfig } from "../config/load";
import type { PipelineConfig } from "../config/types";

export const PROJECT_ROOT = path.resolve(__dirname, "..");

/** A fresh copy of the shipped pipeline.config.json as parsed JSON, to mutate in a test. */
export function shippedConfigJson(): any {
  return JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, "pipeline.config.json"), "utf8"));
}

/** The shipped config, resolved, optionally changed first. */
export function shippedConfig(change?: (raw: any) => void): PipelineConfig {
  const raw = shippedConfigJson();
  change?.(raw);
  return parseConfig(raw);
}

/**
 * `describe` for a suite that needs something of the machine (a tool, root, the files beside the project). Where it
 * is missing, a developer's run skips the suite with `why` as a warning; a CI run (CI set) fails with `why` instead,
 * since CI runs `.ci/run` as root and `.ci/run` installs every tool: a suite that quietly checked nothing there would
 * pass on broken code.
 */
export function describeWhen(available: boolean, why: string): (name: string, suite: () => void) => void {
  if (available) return describe;
  if (process.env.CI) {
    return (name) =>
      describe(name, () => {
        it("has what it needs on this machine", () => {
          throw new Error(`${why}; under CI this suite must run`);
        });
      });
  }
  console.warn(why);
  return describe.skip;
}

/** A temporary directory removed after the test file. */
export function temporaryDirectory(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `wtfb-${prefix}-`));
}

/** Every file under a directory, relative path → content. */
export function readTree(dir: string): Record<string, string> {
  const files: Record<string, string> = {};
  const visit = (current: string) => {
    for (const entry of fs.readdirSync(current, { withFileTypes: true })) {
      const full = path.join(current, entry.name);
      if (entry.isDirectory()) visit(full);
      else files[path.relative(dir, full)] = fs.readFileSync(full, "utf8");
    }
  };
  visit(dir);
  return files;
}

/** The resources of one type in a synthesized stack JSON (`Testing.synth` output), keyed by logical id. */
export function resourcesOf(synthesized: string | object, type: string): Record<string, any> {
  const stack = typeof synthesized === "string" ? JSON.parse(synthesized) : synthesized;
  return stack.resource?.[type] ?? {};
}

/** The data sources of one type in a synthesized stack JSON. */
export function dataSourcesOf(synthesized: string | object, type: string): Record<string, any> {
  const stack = typeof synthesized === "string" ? JSON.parse(synthesized) : synthesized;
  return stack.data?.[type] ?? {};
}

/** The problems `npm run validate` would report for a config object; empty when the config is valid. */
export function configIssues(raw: unknown): readonly ConfigIssue[] {
  try {
    parseConfig(raw);
  } catch (error) {
    if (error instanceof ConfigError) return error.issues;
    throw error;
  }
  return [];
}
