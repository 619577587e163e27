/**
 * The deployment record of SOP §8.1 (timestamp, version, commit, deployer, environment, status, issues) in the
 * forms it is kept in: a JSON log, a job-summary table, Grafana annotation tags (the contract's) and Pushgateway
 * metrics (the contract's names). Pure: the CLI sends them.
 */
import { DEPLOYMENT_METRICS, deploymentAnnotationTags } from "../constructs/contract";
import type { RunKind, RunState } from "./run-state";

export type RecordStatus = "success" | "failure" | "rolled-back" | "cancelled" | "skipped";

export interface DeploymentRecord {
  readonly kind: RunKind;
  readonly environment: string;
  readonly status: RecordStatus;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly commit: string;
  readonly ref: string;
  readonly deployer: string;
  readonly trigger: string;
  readonly applications: Readonly<Record<string, { readonly version: string; readonly previousVersion?: string }>>;
  readonly runUrl: string;
  readonly issues: readonly string[];
  readonly reason?: string;
  readonly alertname?: string;
}

/** The run's outcome: a failed deployment whose automatic rollback worked is `rolled-back`. */
export function recordStatus(kind: RunKind, jobStatus: string, rollbackOutcome: string): RecordStatus {
  if (jobStatus === "cancelled") return "cancelled";
  if (jobStatus === "success") return "success";
  return kind === "deployment" && rollbackOutcome === "success" ? "rolled-back" : "failure";
}

export function buildRecord(
  state: RunState,
  status: RecordStatus,
  finishedAt: string,
  runUrl: string,
  issues: readonly string[],
): DeploymentRecord {
  return {
    kind: state.kind,
    environment: state.environment,
    status,
    startedAt: state.startedAt,
    finishedAt,
    commit: state.commit,
    ref: state.ref,
    deployer: state.deployer,
    trigger: state.trigger,
    applications: Object.fromEntries(
      Object.entries(state.applications).map(([name, run]) => [
        name,
        { version: run.version, ...(run.previous !== undefined ? { previousVersion: run.previous } : {}) },
      ]),
    ),
    runUrl,
    issues,
    ...(state.reason !== undefined ? { reason: state.reason } : {}),
    ...(state.alertname !== undefined ? { alertname: state.alertname } : {}),
  };
}

/** Job-summary table: one row per application. */
export function summaryMarkdown(record: DeploymentRecord): string {
  const title = `### ${record.kind === "deployment" ? "Deployment" : "Rollback"} to ${record.environment}: ${record.status}`;
  const header =
    "| Finished (UTC) | Environment | Application | Version | Previous | Commit | Deployer | Status | Issues |\n|---|---|---|---|---|---|---|---|---|";
  const issues = record.issues.length === 0 ? "none" : record.issues.map(cell).join("<br>");
  const rows = Object.entries(record.applications).map(
    ([name, application]) =>
      `| ${record.finishedAt} | ${record.environment} | ${name} | \`${application.version}\` | ${application.previousVersion ? `\`${application.previousVersion}\`` : "—"} | \`${record.commit.slice(0, 7)}\` | ${cell(record.deployer)} | ${record.status} | ${issues} |`,
  );
  const reason = record.reason
    ? `\n\nReason: ${cell(record.reason)}${record.alertname ? ` (alert ${cell(record.alertname)})` : ""}`
    : "";
  return `${title}\n\n${header}\n${rows.join("\n")}${reason}\n`;
}

/** Grafana annotation tags, as the contract defines them, for one application. */
export function annotationTags(
  record: Pick<DeploymentRecord, "kind" | "environment">,
  application: string,
  version: string,
  status: RecordStatus | "started",
): string[] {
  return deploymentAnnotationTags({ kind: record.kind, environment: record.environment, application, version, status });
}

export function annotationText(
  kind: RunKind,
  environment: string,
  application: string,
  version: string,
  status: RecordStatus | "started",
  deployer: string,
): string {
  const what =
    kind === "deployment"
      ? `Deployment of ${application} ${version} to ${environment}`
      : `Rollback of ${application} in ${environment} to ${version}`;
  return `${what}: ${status} (by ${deployer})`;
}

/**
 * The Pushgateway body for one application (grouping key job/environment/application): when the deployment
 * happened and how it ended, its lead time from commit, and when a rollback happened and why.
 */
export function pushgatewayBody(
  record: DeploymentRecord,
  nowSeconds: number,
  commitTimeSeconds: number | undefined,
): string {
  const lines: string[] = [];
  if (record.kind === "deployment" && record.status !== "cancelled" && record.status !== "skipped") {
    lines.push(
      `# TYPE ${DEPLOYMENT_METRICS.lastDeployment} gauge`,
      `${DEPLOYMENT_METRICS.lastDeployment}{status="${record.status === "success" ? "success" : "failure"}"} ${nowSeconds}`,
    );
    if (record.status === "success" && commitTimeSeconds !== undefined) {
      lines.push(
        `# TYPE ${DEPLOYMENT_METRICS.leadTime} gauge`,
        `${DEPLOYMENT_METRICS.leadTime} ${Math.max(0, nowSeconds - commitTimeSeconds)}`,
      );
    }
  }
  const rolledBack = record.status === "rolled-back" || (record.kind === "rollback" && record.status === "success");
  if (rolledBack) {
    const reason =
      record.kind === "rollback"
        ? (record.reason ?? "manual")
        : `automatic: ${record.issues[0] ?? "verification failed"}`;
    lines.push(
      `# TYPE ${DEPLOYMENT_METRICS.lastRollback} gauge`,
      `${DEPLOYMENT_METRICS.lastRollback}{reason="${labelValue(reason)}"} ${nowSeconds}`,
    );
  }
  return lines.length === 0 ? "" : `${lines.join("\n")}\n`;
}

/** A Prometheus label value: escaped, one line, short enough to keep the series readable. */
function labelValue(text: string): string {
  return text.replace(/\s+/g, " ").trim().slice(0, 100).replace(/\\/g, "\\\\").replace(/"/g, '\\"');
}

/** A Markdown table cell: no pipes or line breaks, no HTML. */
function cell(text: string): string {
  return text.replace(/[|<>]/g, " ").replace(/\s+/g, " ").trim();
}
