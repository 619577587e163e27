/**
 * Post-deployment verification against Prometheus (SOP §4.3): the environment's own alert rules (the monitoring
 * model, one source of truth), evaluated once a minute. A rule whose firing rolls back (`action=rollback`: error
 * rate, critical flows, and latency where configured) fails the verification when its condition holds, for one
 * application, as long as the alert would wait (`for`, within the watch); any other breach is reported as a warning.
 * A rule watching every application tells them apart by its series' `application` label.
 */
import type { EnvironmentName } from "../config/environments";
import type { PipelineConfig } from "../config/types";
import { environmentGrafanaUrl } from "../constructs/monitoring/alert-checks";
import {
  alertRateWindow,
  environmentAlerts,
  type AlertRule,
  type NoDataBehaviour,
} from "../constructs/monitoring/alert-model";
import { substituteGrafanaIntervals } from "../constructs/monitoring/promql";
import { tagOf, type Versions } from "../constructs/workflows/runtime/release-plan";

export type HealthCheck = Pick<
  AlertRule,
  "name" | "application" | "query" | "comparator" | "threshold" | "forMinutes" | "action"
> & {
  /** What an empty answer means, as for the alert: "OK" passes, anything else counts as a breach of a check that fails verification. @default "OK" */
  readonly noData?: NoDataBehaviour;
  /** A breach fails the verification rather than warn. @default - when the rule rolls back */
  readonly failsVerification?: boolean;
};

/** A down target fails the verification although its alert only notifies: nothing about a version is verified while its target is down. */
const DOWN_TARGET_RULE = "TargetDown";

/** One series of an instant query's result. */
export interface Sample {
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

export type QueryFunction = (query: string) => Promise<Sample[]>;

export interface WatchOptions {
  readonly checks: readonly HealthCheck[];
  /** How long to watch; 0 checks once. */
  readonly minutes: number;
  /**
   * During a canary, each application's canary version: its own series are judged when the metrics carry the
   * version label, and the first breach fails (traffic rises only while the canary stays under its thresholds).
   */
  readonly canaryVersions?: Versions;
  /** Label holding the application version. */
  readonly versionLabel: string;
  readonly query: QueryFunction;
  readonly sleep: (milliseconds: number) => Promise<void>;
  readonly log: (line: string) => void;
}

export interface WatchResult {
  readonly healthy: boolean;
  /** Why the watch failed. */
  readonly failures: readonly string[];
  /** Breaches of rules that only notify. */
  readonly warnings: readonly string[];
}

const MINUTE = 60_000;
const QUERY_ATTEMPTS = 3;

/** The checks of an environment: its alert rules with Grafana's interval variables replaced, as Prometheus needs. */
export function healthChecks(config: PipelineConfig, environment: EnvironmentName): HealthCheck[] {
  const monitoring = config.environments[environment].monitoring;
  const metrics = config.monitoring.metrics;
  const rules = environmentAlerts({
    environment,
    applications: config.applications.map((application) => application.name),
    metrics,
    monitoring,
    grafanaUrl: environmentGrafanaUrl(config, environment),
  });
  return rules.map((rule) => ({
    name: rule.name,
    application: rule.application,
    query: substituteGrafanaIntervals(rule.query, alertRateWindow(metrics)),
    comparator: rule.comparator,
    threshold: rule.threshold,
    forMinutes: rule.forMinutes,
    action: rule.action,
    noData: rule.noData,
    failsVerification: rule.action === "rollback" || rule.name === DOWN_TARGET_RULE,
  }));
}

export async function watchHealth(options: WatchOptions): Promise<WatchResult> {
  const warnings = new Set<string>();
  // Consecutive breaching checks, per rule, then per application ("" for series that name none).
  const consecutive = new Map<string, Map<string, number>>();
  for (let minute = 0; minute <= options.minutes; minute++) {
    if (minute > 0) await options.sleep(MINUTE);
    for (const check of options.checks) {
      let samples: Sample[];
      try {
        samples = await queryWithRetries(options, check.query);
      } catch (error) {
        return {
          healthy: false,
          failures: [`cannot verify ${check.name}: ${(error as Error).message}`],
          warnings: [...warnings],
        };
      }
      const judged = relevantSamples(samples, check, options);
      const failing = check.failsVerification ?? check.action === "rollback";
      // No data is no evidence of health: a rule whose alert treats it as a problem counts it as a breach.
      const noDataBreaches = judged.length === 0 && failing && (check.noData ?? "OK") !== "OK";
      const breaching = noDataBreaches
        ? [{ labels: {}, value: NaN }]
        : judged.filter((sample) => breaches(sample.value, check));
      options.log(
        `${minuteLabel(minute)} ${check.name}: ${judged.length === 0 ? "no data" : judged.map(describeSample).join(", ")} (${check.comparator} ${check.threshold} ${failing ? "fails verification" : "notifies"}${noDataBreaches ? "; no data fails it" : ""})`,
      );
      if (!failing) {
        if (breaching.length > 0)
          warnings.add(
            `${check.name} was ${check.comparator} ${check.threshold} (${breaching.map(describeSample).join(", ")}) after ${minute} min`,
          );
        continue;
      }
      // Counted per application: one application breaching this minute and another the next is no sustained breach.
      const previous = consecutive.get(check.name);
      const current = new Map<string, number>();
      for (const sample of breaching) {
        const application = applicationOf(sample, check) ?? "";
        current.set(application, (previous?.get(application) ?? 0) + 1);
      }
      consecutive.set(check.name, current);
      // As long as the alert would wait, but never longer than the watch itself; a canary gets no such grace.
      const needed = options.canaryVersions ? 1 : Math.max(1, Math.min(check.forMinutes, options.minutes));
      for (const [application, held] of current) {
        if (held < needed) continue;
        const values = breaching
          .filter((sample) => (applicationOf(sample, check) ?? "") === application)
          .map(describeSample);
        const what = noDataBreaches ? "no data" : `${values.join(", ")} ${check.comparator} ${check.threshold}`;
        return {
          healthy: false,
          failures: [`${check.name}: ${what} for ${held} check(s) in a row, after ${minute} min`],
          warnings: [...warnings],
        };
      }
    }
  }
  return { healthy: true, failures: [], warnings: [...warnings] };
}

/** Instant queries against a Prometheus HTTP API. */
export function prometheusQuery(baseUrl: string): QueryFunction {
  return async (query) => {
    const url = `${baseUrl.replace(/\/+$/, "")}/api/v1/query?${new URLSearchParams({ query })}`;
    const response = await fetch(url, { signal: AbortSignal.timeout(20_000) });
    const body = (await response.json().catch(() => undefined)) as
      | {
          status: string;
          error?: string;
          data?: { resultType: string; result: Array<{ metric: Record<string, string>; value: [number, string] }> };
        }
      | undefined;
    if (!response.ok || !body || body.status !== "success" || !body.data) {
      throw new Error(`Prometheus at ${baseUrl} answered ${response.status}${body?.error ? `: ${body.error}` : ""}`);
    }
    if (body.data.resultType !== "vector")
      throw new Error(`expected an instant vector from Prometheus, got a ${body.data.resultType}`);
    return body.data.result.map((series) => ({ labels: series.metric, value: parsePrometheusValue(series.value[1]) }));
  };
}

/** Prometheus writes infinities as +Inf/-Inf, which Number() does not read. */
export function parsePrometheusValue(text: string): number {
  if (text === "+Inf") return Infinity;
  if (text === "-Inf") return -Infinity;
  return Number(text);
}

async function queryWithRetries(options: WatchOptions, query: string): Promise<Sample[]> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await options.query(query);
    } catch (error) {
      if (attempt >= QUERY_ATTEMPTS) throw error;
      await options.sleep(5_000);
    }
  }
}

/** The application a sample is about: its `application` label (the built-in alerts' series), else the check's. */
function applicationOf(sample: Sample, check: HealthCheck): string | undefined {
  return sample.labels.application ?? check.application;
}

/**
 * The samples a check judges. During a canary, an application's samples are those of its canary version when its
 * metrics carry the version label; without the label, the application is judged as a whole.
 */
function relevantSamples(samples: Sample[], check: HealthCheck, options: WatchOptions): Sample[] {
  const canaries = options.canaryVersions;
  if (!canaries) return samples;
  const labelled = new Set<string | undefined>();
  for (const sample of samples) {
    if (sample.labels[options.versionLabel] !== undefined) labelled.add(applicationOf(sample, check));
  }
  return samples.filter((sample) => {
    const application = applicationOf(sample, check);
    const version = application === undefined ? undefined : canaries[application];
    return (
      version === undefined || !labelled.has(application) || sample.labels[options.versionLabel] === tagOf(version)
    );
  });
}

function breaches(value: number, check: HealthCheck): boolean {
  if (Number.isNaN(value)) return false;
  return check.comparator === "above" ? value > check.threshold : value < check.threshold;
}

/** A sample's value, after the application it is about when the series says (`web=0.02`). */
function describeSample(sample: Sample): string {
  return sample.labels.application === undefined
    ? formatValue(sample.value)
    : `${sample.labels.application}=${formatValue(sample.value)}`;
}

function formatValue(value: number): string {
  return Number.isFinite(value) ? String(Number(value.toPrecision(4))) : String(value);
}

function minuteLabel(minute: number): string {
  return `[${String(minute).padStart(3, " ")} min]`;
}
