/**
 * Config fragment for monitoring (SOP §4.3 post-deployment verification, §5.1 rollback triggers, §6.2 tools):
 * Grafana, metric names, alert thresholds per environment, contact points.
 */
import { z } from "zod";

const metricName = z.string().regex(/^[a-zA-Z_:][a-zA-Z0-9_:]*$/, {
  error: "must be a Prometheus metric name (letters, digits, _ and :; not starting with a digit)",
});
const labelName = z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/, {
  error: "must be a Prometheus label name (letters, digits, _; not starting with a digit)",
});
/** Alert names are Prometheus label values and Grafana rule titles; PascalCase keeps them readable in both. */
const alertName = z.string().regex(/^[A-Z][A-Za-z0-9]{1,62}$/, {
  error: "must be a PascalCase name (letters and digits, starting with a capital), e.g. CheckoutSlow",
});

/** A Grafana version as Grafana reports it (`GET /api/health`): 12.1.0, v12.0.2, 12.2.1+security-01. */
export const GRAFANA_VERSION_PATTERN = /^v?(\d+)\.(\d+)(?:\.(\d+))?(?:[-+][0-9A-Za-z.+-]+)?$/;
const grafanaVersion = z.string().regex(GRAFANA_VERSION_PATTERN, {
  error: "must be a Grafana version, e.g. 12.1.0 (Help → About in Grafana, or GET <grafanaUrl>/api/health)",
});

export const metricsSchema = z.strictObject({
  requestsTotal: metricName.default("http_requests_total").meta({ description: "Counter of HTTP requests." }),
  statusLabel: labelName
    .default("status")
    .meta({ description: "Label of requestsTotal holding the HTTP status code." }),
  durationHistogram: metricName
    .default("http_request_duration_seconds")
    .meta({ description: "Histogram of request durations in seconds (without the _bucket suffix)." }),
  jobLabel: labelName
    .default("job")
    .meta({ description: "Label identifying the application's scrape job; its value is the application name." }),
  versionLabel: labelName.default("version").meta({
    description:
      "Label on requestsTotal and durationHistogram holding the application version; error rate and latency are computed per version (a canary's own), and alerts carry it. Metrics without it still work.",
  }),
  containerCpuSeconds: metricName
    .default("container_cpu_usage_seconds_total")
    .meta({ description: "Counter of container CPU seconds (cAdvisor)." }),
  containerMemoryBytes: metricName
    .default("container_memory_working_set_bytes")
    .meta({ description: "Gauge of container memory in use (cAdvisor)." }),
  containerStartTime: metricName
    .default("container_start_time_seconds")
    .meta({ description: "Gauge of container start time (cAdvisor); its changes count restarts." }),
  containerNameLabel: labelName
    .default("name")
    .meta({ description: "Label of the container metrics holding the Docker container name." }),
  scrapeIntervalSeconds: z.number().int().min(1).max(300).default(15).meta({
    description:
      "Prometheus scrape interval; alert rate windows are four of it (what Grafana's $__rate_interval gives).",
  }),
});

export const stakeholderContactSchema = z.discriminatedUnion(
  "type",
  [
    z.strictObject({
      type: z.literal("email"),
      addresses: z.array(z.email()).min(1).meta({ description: "Who hears about deployments and rollbacks." }),
    }),
    z.strictObject({
      type: z.literal("slack"),
      webhookUrlSecret: z
        .string()
        .regex(/^[A-Z_][A-Z0-9_]*$/)
        .default("SLACK_WEBHOOK_URL")
        .meta({
          description:
            "Name of the secret holding the Slack webhook URL (never the URL itself); its value comes from TF_VAR_<name in lower case>.",
        }),
      channel: z.string().optional().meta({ description: "Channel override." }),
    }),
  ],
  { error: "unknown contact type; use email or slack" },
);

export const monitoringSchema = z.strictObject({
  grafanaUrl: z.url().meta({ description: "Base URL of the Grafana instance.", "x-sop": "§6.2" }),
  grafanaVersion: grafanaVersion.optional().meta({
    description:
      "Version of that Grafana (Help → About, or GET <grafanaUrl>/api/health), e.g. 12.1.0. Required: the rollback contact point's webhook payload and headers need Grafana 12.0 or later, and a config naming an older one is refused.",
    "x-sop": "§6.2",
  }),
  metrics: metricsSchema.prefault({}).meta({ description: "Metric and label names the dashboards and alerts query." }),
  pushgatewayUrl: z.url().optional().meta({
    description:
      "Prometheus Pushgateway the workflows push deployment records to (frequency, success rate, lead time); omit to skip.",
    "x-sop": "§8.2",
  }),
  stakeholders: stakeholderContactSchema.meta({
    description: "Stakeholder contact point: every alert notice, rollbacks included, goes here.",
    "x-sop": "§5.2",
  }),
  githubApiUrl: z.url().default("https://api.github.com").meta({
    description:
      "GitHub API the rollback contact point sends repository_dispatch to (GitHub Enterprise: https://<host>/api/v3).",
    "x-sop": "§5.1",
  }),
  sentry: z
    .strictObject({
      organization: z.string().min(1),
      project: z.string().min(1),
      url: z.url().default("https://sentry.io/"),
    })
    .optional()
    .meta({
      description: "Sentry project; the release workflow creates a Sentry release per version.",
      "x-sop": "§6.2",
    }),
});

export const criticalFlowProbeSchema = z.strictObject({
  name: z
    .string()
    .regex(/^[a-z][a-z0-9-]{0,30}$/, { error: "must be a lowercase name (a-z, 0-9, -), e.g. checkout" })
    .meta({ description: "The user flow, e.g. checkout; the alert is <Name>FlowBroken." }),
  expr: z.string().min(1).meta({
    description:
      'PromQL giving 1 while the flow works and 0 when it fails, e.g. probe_success{job="blackbox",instance="https://wtfb.example/checkout"}.',
  }),
  application: z
    .string()
    .optional()
    .meta({ description: "Application rolled back when the flow breaks. Default: the only application." }),
  forMinutes: z
    .number()
    .int()
    .min(1)
    .max(1440)
    .default(2)
    .meta({ description: "How long the flow must fail before the alert fires." }),
});

export const extraAlertSchema = z.strictObject({
  name: alertName.meta({ description: "Alert name (PascalCase), unique in the environment." }),
  expr: z.string().min(1).meta({ description: "PromQL giving an instant vector; $__rate_interval may be used." }),
  comparator: z
    .enum(["above", "below"])
    .default("above")
    .meta({ description: "Fire when the value is above or below the threshold." }),
  threshold: z.number().meta({ description: "The value compared against." }),
  forMinutes: z
    .number()
    .int()
    .min(0)
    .max(1440)
    .default(5)
    .meta({ description: "How long the condition must hold before the alert fires." }),
  severity: z
    .enum(["critical", "warning"])
    .default("warning")
    .meta({ description: "critical pages the stakeholders at once; warning is batched." }),
  rollback: z
    .boolean()
    .default(false)
    .meta({ description: "A firing alert rolls the application back (action=rollback).", "x-sop": "§5.1" }),
  application: z
    .string()
    .optional()
    .meta({ description: "Application the alert is about (and rolled back). Default: the only application." }),
  summary: z
    .string()
    .min(1)
    .optional()
    .meta({ description: "One line for notifications. Default: the name and condition." }),
});

export const environmentMonitoringSchema = z.strictObject({
  prometheusUrl: z.url().optional().meta({
    description: "URL of this environment's Prometheus (the Grafana data source and the deploy verification query it).",
    "x-sop": "§6.2",
  }),
  grafanaUrl: z
    .url()
    .optional()
    .meta({ description: "Grafana of this environment, when it is not monitoring.grafanaUrl." }),
  grafanaVersion: grafanaVersion.optional().meta({
    description: "Version of this environment's Grafana, when it is not monitoring.grafanaVersion (12.0 or later).",
  }),
  grafanaOrgId: z.number().int().min(1).optional().meta({
    description:
      "Grafana organization of this environment's folder, rules and notification policy. Environments sharing one Grafana need one organization each: the notification policy is one tree per organization.",
  }),
  // Ranges of the thresholds are checked with the alerts (constructs/monitoring/alert-checks.ts), so a problem names the alert.
  errorRateThresholdPercent: z.number().optional().meta({
    description: "Error rate (percent of requests with 5xx) above which the deployment is rolled back.",
    exclusiveMinimum: 0,
    maximum: 100,
    "x-sop": "§5.1",
  }),
  errorRateForMinutes: z.number().int().min(1).max(1440).optional().meta({
    description: "How long the error rate must stay above the threshold before the alert fires.",
    "x-sop": "§5.1",
  }),
  latencyP95Seconds: z.number().optional().meta({
    description: "p95 latency above which performance counts as degraded.",
    exclusiveMinimum: 0,
    maximum: 300,
    "x-sop": "§5.1",
  }),
  latencyForMinutes: z
    .number()
    .int()
    .min(1)
    .max(1440)
    .optional()
    .meta({ description: "How long p95 latency must stay above its limit before the alert fires.", "x-sop": "§5.1" }),
  rollbackOnLatency: z.boolean().optional().meta({
    description: "Degraded latency rolls the deployment back (action=rollback); otherwise it only notifies.",
    "x-sop": "§5.1",
  }),
  availabilityForMinutes: z
    .number()
    .int()
    .min(1)
    .max(1440)
    .optional()
    .meta({ description: "How long a target must be down before the availability alert fires." }),
  containerRestartLimit: z.number().int().optional().meta({
    description: "Container restarts within containerRestartWindowMinutes above which the alert fires.",
    minimum: 1,
    maximum: 1000,
  }),
  containerRestartWindowMinutes: z
    .number()
    .int()
    .min(1)
    .max(1440)
    .optional()
    .meta({ description: "Window the container restarts are counted in." }),
  criticalFlowProbes: z.array(criticalFlowProbeSchema).optional().meta({
    description: "Critical user flows; one failing rolls the deployment back (SOP: critical functionality is broken).",
    "x-sop": "§5.1",
  }),
  extraAlerts: z.array(extraAlertSchema).optional().meta({
    description: "More alerts, e.g. for a new feature (SOP §3.2: monitoring is configured for new features).",
    "x-sop": "§3.2",
  }),
  monitoringWindowMinutes: z.number().int().min(0).max(1440).optional().meta({
    description: "How long the deploy workflow watches error rate and latency after a deployment.",
    "x-sop": "§4.3",
  }),
});

export type EnvironmentMonitoringInput = z.input<typeof environmentMonitoringSchema>;
export type CriticalFlowProbe = z.output<typeof criticalFlowProbeSchema>;
export type ExtraAlert = z.output<typeof extraAlertSchema>;
export type MetricNames = z.output<typeof metricsSchema>;
/** Who hears about every alert: email addresses, or a Slack webhook held in a sensitive variable. */
export type StakeholderContact = z.output<typeof stakeholderContactSchema>;

export interface EnvironmentMonitoring {
  readonly prometheusUrl: string;
  /** Overrides `monitoring.grafanaUrl` for this environment. */
  readonly grafanaUrl?: string;
  /** Overrides `monitoring.grafanaVersion` for this environment. */
  readonly grafanaVersion?: string;
  /** Grafana organization; absent means the organization of the credentials. */
  readonly grafanaOrgId?: number;
  readonly errorRateThresholdPercent: number;
  readonly errorRateForMinutes: number;
  readonly latencyP95Seconds: number;
  readonly latencyForMinutes: number;
  readonly rollbackOnLatency: boolean;
  readonly availabilityForMinutes: number;
  readonly containerRestartLimit: number;
  readonly containerRestartWindowMinutes: number;
  readonly criticalFlowProbes: readonly CriticalFlowProbe[];
  readonly extraAlerts: readonly ExtraAlert[];
  readonly monitoringWindowMinutes: number;
}

const COMMON_DEFAULTS = {
  prometheusUrl: "http://localhost:9090",
  errorRateForMinutes: 5,
  latencyForMinutes: 5,
  availabilityForMinutes: 2,
  containerRestartLimit: 3,
  containerRestartWindowMinutes: 15,
  criticalFlowProbes: [],
  extraAlerts: [],
} as const;

/** SOP §5.1: error rate above 1% rolls back; degraded performance rolls back production (elsewhere it notifies). */
export const MONITORING_DEFAULTS: Record<"development" | "staging" | "production", EnvironmentMonitoring> = {
  development: {
    ...COMMON_DEFAULTS,
    errorRateThresholdPercent: 5,
    latencyP95Seconds: 2,
    rollbackOnLatency: false,
    monitoringWindowMinutes: 5,
  },
  staging: {
    ...COMMON_DEFAULTS,
    errorRateThresholdPercent: 1,
    latencyP95Seconds: 1,
    rollbackOnLatency: false,
    monitoringWindowMinutes: 15,
  },
  production: {
    ...COMMON_DEFAULTS,
    errorRateThresholdPercent: 1,
    latencyP95Seconds: 0.5,
    rollbackOnLatency: true,
    monitoringWindowMinutes: 60,
  },
};
