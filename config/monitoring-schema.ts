/**
 * Config fragment for monitoring (SOP §4.3 post-deployment verification, §5.1 rollback triggers, §6.2 tools):
 * Grafana, metric names, alert thresholds per environment, contact points.
 */
import { z } from "zod";

export const metricsSchema = z.strictObject({
  requestsTotal: z.string().regex(/^[a-zA-Z_:][a-zA-Z0-9_:]*$/).default("http_requests_total").meta({ description: "Counter of HTTP requests." }),
  statusLabel: z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/).default("status").meta({ description: "Label of requestsTotal holding the HTTP status code." }),
  durationHistogram: z.string().regex(/^[a-zA-Z_:][a-zA-Z0-9_:]*$/).default("http_request_duration_seconds").meta({ description: "Histogram of request durations in seconds (without the _bucket suffix)." }),
  jobLabel: z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/).default("job").meta({ description: "Label identifying the application's scrape job." }),
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
      webhookUrlSecret: z.string().regex(/^[A-Z_][A-Z0-9_]*$/).default("SLACK_WEBHOOK_URL").meta({ description: "Name of the sensitive variable holding the Slack webhook URL (never the URL itself)." }),
      channel: z.string().optional().meta({ description: "Channel override." }),
    }),
  ],
  { error: "unknown contact type; use email or slack" },
);

export const monitoringSchema = z.strictObject({
  grafanaUrl: z.url().meta({ description: "Base URL of the Grafana instance.", "x-sop": "§6.2" }),
  metrics: metricsSchema.default({ requestsTotal: "http_requests_total", statusLabel: "status", durationHistogram: "http_request_duration_seconds", jobLabel: "job" }).meta({ description: "Metric and label names the dashboards and alerts query." }),
  pushgatewayUrl: z.url().optional().meta({ description: "Prometheus Pushgateway the workflows push deployment records to (frequency, success rate, lead time); omit to skip.", "x-sop": "§8.2" }),
  stakeholders: stakeholderContactSchema.optional().meta({ description: "Stakeholder contact point for deployment and alert notices.", "x-sop": "§4.2" }),
  sentry: z
    .strictObject({
      organization: z.string().min(1),
      project: z.string().min(1),
      url: z.url().default("https://sentry.io/"),
    })
    .optional()
    .meta({ description: "Sentry project; the release workflow creates a Sentry release per version.", "x-sop": "§6.2" }),
});

export const environmentMonitoringSchema = z.strictObject({
  prometheusUrl: z.url().optional().meta({ description: "URL of this environment's Prometheus (the Grafana data source and the deploy verification query it).", "x-sop": "§6.2" }),
  errorRateThresholdPercent: z.number().gt(0).max(100).optional().meta({ description: "Error rate (percent of requests with 5xx) above which the deployment is rolled back.", "x-sop": "§5.1" }),
  errorRateForMinutes: z.number().int().min(1).optional().meta({ description: "How long the error rate must stay above the threshold before the alert fires.", "x-sop": "§5.1" }),
  latencyP95Seconds: z.number().gt(0).optional().meta({ description: "p95 latency above which performance counts as degraded.", "x-sop": "§5.1" }),
  monitoringWindowMinutes: z.number().int().min(0).max(1440).optional().meta({ description: "How long the deploy workflow watches error rate and latency after a deployment.", "x-sop": "§4.3" }),
});

export type EnvironmentMonitoringInput = z.input<typeof environmentMonitoringSchema>;

export interface EnvironmentMonitoring {
  readonly prometheusUrl: string;
  readonly errorRateThresholdPercent: number;
  readonly errorRateForMinutes: number;
  readonly latencyP95Seconds: number;
  readonly monitoringWindowMinutes: number;
}

export const MONITORING_DEFAULTS: Record<"development" | "staging" | "production", EnvironmentMonitoring> = {
  development: { prometheusUrl: "http://localhost:9090", errorRateThresholdPercent: 5, errorRateForMinutes: 5, latencyP95Seconds: 2, monitoringWindowMinutes: 5 },
  staging: { prometheusUrl: "http://localhost:9090", errorRateThresholdPercent: 1, errorRateForMinutes: 5, latencyP95Seconds: 1, monitoringWindowMinutes: 15 },
  production: { prometheusUrl: "http://localhost:9090", errorRateThresholdPercent: 1, errorRateForMinutes: 5, latencyP95Seconds: 0.5, monitoringWindowMinutes: 60 },
};
