/** Automated smoke tests after a deployment or rollback (SOP §4.1, §4.3): URLs that must answer 2xx, commands that must exit 0. */
import { spawnSync } from "child_process";
import { isAbsoluteUrl, type SmokeTest } from "../config/workflows-schema";

export interface SmokeTestOptions {
  /** Base URL for relative test URLs. */
  readonly baseUrl?: string;
  /** Where commands run (the checked-out repository). */
  readonly workingDirectory: string;
  readonly sleep: (milliseconds: number) => Promise<void>;
  readonly log: (line: string) => void;
  /** Attempts per URL, for a service still warming up. @default 5 */
  readonly attempts?: number;
}

/** Runs every test; returns the failures, one sentence each. */
export async function runSmokeTests(tests: readonly SmokeTest[], options: SmokeTestOptions): Promise<string[]> {
  const failures: string[] = [];
  for (const test of tests) {
    if (test.url !== undefined) {
      const url = isAbsoluteUrl(test.url)
        ? test.url
        : `${(options.baseUrl ?? "").replace(/\/+$/, "")}/${test.url.replace(/^\/+/, "")}`;
      const problem = await checkUrl(url, options);
      options.log(`${problem ? "✖" : "✔"} ${test.name}: GET ${url}${problem ? ` — ${problem}` : ""}`);
      if (problem) failures.push(`smoke test "${test.name}" failed: GET ${url} ${problem}`);
    }
    if (test.command !== undefined) {
      const result = spawnSync("bash", ["-c", test.command], {
        cwd: options.workingDirectory,
        stdio: "inherit",
        env: { ...process.env, BASE_URL: options.baseUrl ?? "" },
      });
      const problem = result.error
        ? result.error.message
        : result.status !== 0
          ? `exited with ${result.status ?? result.signal}`
          : undefined;
      options.log(`${problem ? "✖" : "✔"} ${test.name}: ${test.command}${problem ? ` — ${problem}` : ""}`);
      if (problem) failures.push(`smoke test "${test.name}" failed: the command ${problem}`);
    }
  }
  return failures;
}

async function checkUrl(url: string, options: SmokeTestOptions): Promise<string | undefined> {
  const attempts = options.attempts ?? 5;
  let problem = "";
  for (let attempt = 1; attempt <= attempts; attempt++) {
    try {
      const response = await fetch(url, { redirect: "follow", signal: AbortSignal.timeout(15_000) });
      await response.arrayBuffer();
      if (response.status >= 200 && response.status < 300) return undefined;
      problem = `answered ${response.status}`;
    } catch (error) {
      problem = `failed (${(error as Error).message})`;
    }
    if (attempt < attempts) await options.sleep(5_000);
  }
  return `${problem} after ${attempts} attempt(s)`;
}
