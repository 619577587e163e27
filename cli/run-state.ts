/**
 * The state of one deploy or rollback job, shared by the CLI commands its steps run: which versions move, the
 * release variables applied so far, and the issues met. Kept in a file under RUNNER_TEMP, gone with the job.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { EnvironmentName } from "../config/environments";

/** The deployment record the record command writes under RUNNER_TEMP; the workflow uploads it. */
export const DEPLOYMENT_RECORD_FILE = "deployment-record.json";

/** GitHub environment variable holding the release variables last applied by a workflow (JSON). */
export const RELEASE_STATE_VARIABLE = "WTFB_RELEASE_STATE";

/** GitHub environment variable holding the known-good version before the current one: the rollback target once the current one is known-good. */
export function previousKnownGoodVariable(applicationName: string): string {
  return `PREVIOUS_KNOWN_GOOD_VERSION_${applicationName.toUpperCase().replace(/-/g, "_")}`;
}

/**
 * GitHub environment variable holding, per application, the versions a rollback left (JSON object of arrays): a
 * later rollback without an explicit version never goes back to one of them, so a failed rollback cannot ping-pong
 * back to the bad version. A version leaves the list when a deployment of it is verified.
 */
export const REJECTED_VERSIONS_VARIABLE = "WTFB_REJECTED_VERSIONS";

/** Versions kept per application in the rejected list. */
export const REJECTED_VERSIONS_KEPT = 20;

export type RunKind = "deployment" | "rollback";

export interface ApplicationRun {
  /** The version this run brings (deployment) or restores (rollback). */
  readonly version: string;
  /** What served before: the rollback target of a deployment, or the version a rollback leaves. */
  readonly previous?: string;
  /** The known-good version when the run began. */
  readonly knownGood?: string;
}

export interface RunState {
  readonly kind: RunKind;
  readonly environment: EnvironmentName;
  /** ISO time the run began (taken at run time, never at synth). */
  readonly startedAt: string;
  readonly trigger: string;
  readonly deployer: string;
  readonly commit: string;
  readonly ref: string;
  /** Applications this run changes, by name. */
  readonly applications: Readonly<Record<string, ApplicationRun>>;
  /** Release variables as applied before the run. */
  readonly initialReleaseState: Readonly<Record<string, string>>;
  /** Release variables as applied now. */
  releaseState: Record<string, string>;
  /** Problems met, for the deployment record. */
  issues: string[];
  /** Grafana annotation ids by application, so the end of the run closes the region the start opened. */
  annotations: Record<string, number>;
  /** Why a rollback happens. */
  readonly reason?: string;
  /** The alert that asked for a rollback. */
  readonly alertname?: string;
  /** Why this run changes nothing (a rollback whose alert saw a version that no longer serves); every later command then does nothing. */
  readonly skipped?: string;
}

export function runStatePath(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(env.RUNNER_TEMP ?? os.tmpdir(), "wtfb-deploy-run.json");
}

export function loadRunState(env: NodeJS.ProcessEnv = process.env): RunState | undefined {
  const file = runStatePath(env);
  return fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, "utf8")) as RunState) : undefined;
}

export function saveRunState(state: RunState, env: NodeJS.ProcessEnv = process.env): void {
  fs.writeFileSync(runStatePath(env), `${JSON.stringify(state, null, 2)}\n`);
}

/** Reads the rejected-versions variable: application → versions. */
export function parseRejectedVersions(text: string | undefined): Record<string, string[]> {
  if (text === undefined || text.trim() === "") return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new Error(`the variable ${REJECTED_VERSIONS_VARIABLE} is not valid JSON; delete it to start afresh`);
  }
  if (
    value === null ||
    typeof value !== "object" ||
    Array.isArray(value) ||
    Object.values(value).some((entry) => !Array.isArray(entry) || entry.some((item) => typeof item !== "string"))
  ) {
    throw new Error(
      `the variable ${REJECTED_VERSIONS_VARIABLE} must be a JSON object of string arrays; delete it to start afresh`,
    );
  }
  return value as Record<string, string[]>;
}

/** Reads a JSON object of strings (an input or a variable); empty text is an empty object. */
export function parseStringRecord(text: string | undefined, what: string): Record<string, string> {
  if (text === undefined || text.trim() === "") return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new Error(`${what} is not valid JSON`);
  }
  if (
    value === null ||
    typeof value !== "object" ||
    Array.isArray(value) ||
    Object.values(value).some((entry) => typeof entry !== "string")
  ) {
    throw new Error(`${what} must be a JSON object of strings`);
  }
  return value as Record<string, string>;
}
