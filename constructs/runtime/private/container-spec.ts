/** Pieces every runtime container shares: labels, log rotation, health check, exit-code check, commit from tag. */
import { Fn, Token, type Postcondition } from "cdktf";
import type { ContainerHealthcheck, ContainerLabels } from "@cdktf/provider-docker/lib/container";

/** What a container is for; the `wtfb.role` label. */
export type ContainerRole = "app" | "proxy" | "port" | "routing" | "backup" | "migration";

/** A container health check, in the config's words. */
export interface HealthCheck {
  /** Command run inside the container (exec form, without CMD); exit 0 means healthy. */
  readonly command: readonly string[];
  /** Seconds between checks. @default 10 */
  readonly intervalSeconds?: number;
  /** Seconds before one check counts as failed. @default 5 */
  readonly timeoutSeconds?: number;
  /** Failed checks in a row before the container is unhealthy. @default 3 */
  readonly retries?: number;
  /** Grace period after start during which failures do not count. @default 15 */
  readonly startPeriodSeconds?: number;
}

/** Tags CI gives images carry the commit as `…-<sha>` or `sha-<sha>`; the capture is the commit. */
const COMMIT_IN_TAG = "(?:^|-)([0-9a-f]{7,40})$";

/** Terraform expression: the commit an image tag (a reference to it, without digest) names, or `unknown` (a bare `1.4.2`). */
export function commitOfVersion(tag: string): string {
  return Fn.try([Fn.element(Token.asList(Fn.regex(COMMIT_IN_TAG, tag)), 0), "unknown"]);
}

/** Container labels from a record, sorted so the output is stable. */
export function labelsOf(labels: Readonly<Record<string, string>>): ContainerLabels[] {
  return Object.keys(labels)
    .sort()
    .map((label) => ({ label, value: labels[label] }));
}

/** The log driver of every runtime container: files on the host, rotated by `rotatedLogs`' options. */
export const LOG_DRIVER = "json-file";

/** json-file logging with rotation (SOP §8.1: logs stay bounded on the host). */
export function rotatedLogs(
  maxSizeMb: number,
  maxFiles: number,
): { logDriver: string; logOpts: Record<string, string> } {
  return { logDriver: LOG_DRIVER, logOpts: { "max-size": `${maxSizeMb}m`, "max-file": String(maxFiles) } };
}

/** Docker health check block (exec form). */
export function healthcheckOf(check: HealthCheck): ContainerHealthcheck {
  if (check.command.length === 0)
    throw new Error("health check command is empty; give the command that exits 0 when the container is healthy");
  return {
    test: ["CMD", ...check.command],
    interval: `${check.intervalSeconds ?? 10}s`,
    timeout: `${check.timeoutSeconds ?? 5}s`,
    retries: check.retries ?? 3,
    startPeriod: `${check.startPeriodSeconds ?? 15}s`,
  };
}

/** Seconds to wait for healthy: the start period plus every allowed failure, with one check to spare. */
export function healthyWithinSeconds(check: HealthCheck): number {
  const interval = check.intervalSeconds ?? 10;
  const timeout = check.timeoutSeconds ?? 5;
  return (check.startPeriodSeconds ?? 15) + ((check.retries ?? 3) + 1) * (interval + timeout);
}

/**
 * Postcondition of a one-off container: the provider records its exit code without failing, so this turns a
 * non-zero exit into a failed apply, and blocks later plans until it is re-run (`terraform apply -replace=…`).
 */
export function exitedCleanly(what: string, hint = ""): Postcondition {
  return {
    condition: "${self.exit_code == 0}",
    errorMessage: `${what} (container \${self.name}) exited with code \${self.exit_code}${hint}; read its output with: docker logs \${self.name}`,
  };
}
