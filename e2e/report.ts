/** Figures of a scenario from the load generator's records, and the bench's table. */
import type { ErrorKind, RequestRecord } from "./load";

/** Failures closer together than this belong to one failure window. */
export const FAILURE_WINDOW_GAP_MS = 1000;

export interface CanaryShare {
  readonly weightPercent: number;
  /** Share of answers from the canary version, in percent, over `requests`. */
  readonly sharePercent: number;
  readonly requests: number;
}

export interface Figures {
  readonly requests: number;
  /** Requests without a 200 answer (error statuses and connection errors). */
  readonly failed: number;
  /** Requests with no HTTP answer at all, by kind. */
  readonly connectionErrors: number;
  readonly errorKinds: Partial<Record<ErrorKind, number>>;
  /** Non-200 statuses by status. */
  readonly statuses: Readonly<Record<string, number>>;
  /** Longest stretch of failures, milliseconds: failures less than FAILURE_WINDOW_GAP_MS apart form one stretch. */
  readonly longestFailureWindowMs: number;
  readonly p99Ms: number;
  /** Answers (any status) by the X-App-Version that gave them. */
  readonly versions: Readonly<Record<string, number>>;
}

export const failed = (record: RequestRecord): boolean => record.status !== 200;

export function figuresOf(records: readonly RequestRecord[]): Figures {
  const failures = records.filter(failed).sort((a, b) => a.start - b.start);
  const errorKinds: Partial<Record<ErrorKind, number>> = {};
  const statuses: Record<string, number> = {};
  const versions: Record<string, number> = {};
  for (const record of records) {
    if (record.error) errorKinds[record.error] = (errorKinds[record.error] ?? 0) + 1;
    else if (record.status !== 200) statuses[String(record.status)] = (statuses[String(record.status)] ?? 0) + 1;
    if (record.version) versions[record.version] = (versions[record.version] ?? 0) + 1;
  }
  let longest = 0;
  let windowStart = 0;
  let windowEnd = 0;
  for (const [index, failure] of failures.entries()) {
    if (index === 0 || failure.start - windowEnd > FAILURE_WINDOW_GAP_MS) windowStart = failure.start;
    windowEnd = Math.max(
      index === 0 || failure.start - windowEnd > FAILURE_WINDOW_GAP_MS ? failure.end : windowEnd,
      failure.end,
    );
    longest = Math.max(longest, windowEnd - windowStart);
  }
  const latencies = records.map((record) => record.end - record.start).sort((a, b) => a - b);
  return {
    requests: records.length,
    failed: failures.length,
    connectionErrors: records.filter((record) => record.error !== undefined).length,
    errorKinds,
    statuses,
    longestFailureWindowMs: Math.round(longest),
    p99Ms:
      latencies.length === 0
        ? 0
        : Math.round(latencies[Math.min(latencies.length - 1, Math.ceil(latencies.length * 0.99) - 1)] * 10) / 10,
    versions,
  };
}

/** The canary's measured share among answers that name a version. */
export function canaryShare(
  records: readonly RequestRecord[],
  canaryVersion: string,
  weightPercent: number,
): CanaryShare {
  const answered = records.filter((record) => record.version !== undefined);
  const canary = answered.filter((record) => record.version === canaryVersion).length;
  return {
    weightPercent,
    sharePercent: answered.length === 0 ? 0 : (100 * canary) / answered.length,
    requests: answered.length,
  };
}

export interface ScenarioResult {
  readonly scenario: string;
  readonly mode: "keep-alive" | "new connection per request";
  readonly figures: Figures;
  readonly apply?: { readonly ok: boolean; readonly seconds: number; readonly expectedToFail?: boolean };
  readonly share?: CanaryShare;
  /** Milliseconds from a fault (docker kill) to the last failed request after it. */
  readonly failuresAfterFaultMs?: number;
  readonly note?: string;
}

/** The bench's table: one row per scenario and connection mode. */
export function renderTable(results: readonly ScenarioResult[]): string {
  const header = [
    "Scenario",
    "Connections",
    "Requests",
    "Failed",
    "Conn. errors",
    "Longest failure window",
    "p99",
    "Apply",
    "Canary share (weight)",
    "Answered by",
  ];
  const rows = results.map((result) => {
    const { figures } = result;
    const kinds = Object.entries(figures.errorKinds).map(([kind, count]) => `${kind} ${count}`);
    const statuses = Object.entries(figures.statuses).map(([status, count]) => `${status}×${count}`);
    return [
      result.scenario,
      result.mode,
      String(figures.requests),
      figures.failed === 0 ? "0" : `${figures.failed}${statuses.length > 0 ? ` (${statuses.join(", ")})` : ""}`,
      figures.connectionErrors === 0 ? "0" : `${figures.connectionErrors} (${kinds.join(", ")})`,
      `${(figures.longestFailureWindowMs / 1000).toFixed(2)} s${result.failuresAfterFaultMs !== undefined ? ` (${(result.failuresAfterFaultMs / 1000).toFixed(2)} s after the kill)` : ""}`,
      `${figures.p99Ms} ms`,
      result.apply
        ? `${result.apply.ok ? "ok" : result.apply.expectedToFail ? "failed (expected)" : "FAILED"} ${result.apply.seconds.toFixed(1)} s`
        : "—",
      result.share
        ? `${result.share.sharePercent.toFixed(1)}% (${result.share.weightPercent}%) of ${result.share.requests}`
        : "—",
      Object.entries(figures.versions)
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([version, count]) => `${version}: ${count}`)
        .join(", "),
    ];
  });
  const line = (cells: readonly string[]) => `| ${cells.join(" | ")} |`;
  return [line(header), line(header.map(() => "---")), ...rows.map(line)].join("\n");
}
