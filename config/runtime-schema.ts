/**
 * Config fragment for the container runtime (SOP §4.2 strategies, §7.1 migrations):
 * per-application container settings and per-environment Docker host and strategy.
 */
import { z } from "zod";

const commandSchema = z
  .array(z.string().min(1))
  .min(1, { error: "needs at least one word, e.g. [\"npm\", \"run\", \"migrate\"]" });

export const healthCheckSchema = z.strictObject({
  command: commandSchema.meta({ description: "Command run inside the container; exit 0 means healthy (Docker CMD form).", "x-sop": "§4.3" }),
  intervalSeconds: z.number().int().min(1).default(10).meta({ description: "Seconds between checks." }),
  timeoutSeconds: z.number().int().min(1).default(5).meta({ description: "Seconds before one check counts as failed." }),
  retries: z.number().int().min(1).default(3).meta({ description: "Failed checks in a row before the container is unhealthy." }),
  startPeriodSeconds: z.number().int().min(0).default(15).meta({ description: "Grace period after start during which failures do not count." }),
});

export const databaseSchema = z.strictObject({
  engine: z.enum(["postgres", "mysql"]).default("postgres").meta({ description: "Database engine; picks the default backup command." }),
  backupCommand: commandSchema.optional().meta({ description: "Command that writes a dump to /backups (run in the application image before every migration).", "x-sop": "§7.1" }),
  migrationCommand: commandSchema.meta({ description: "Command that applies pending migrations (run in the application image).", "x-sop": "§7.1" }),
  rollbackCommand: commandSchema.optional().meta({ description: "Command that reverts the last migration; exposed to the rollback workflow.", "x-sop": "§5.2" }),
  migrationTimeoutSeconds: z.number().int().min(1).max(86400).default(600).meta({ description: "A migration running longer than this is stopped and the deployment fails.", "x-sop": "§7.1" }),
  scaleDownDuringMigration: z.boolean().default(false).meta({ description: "Stop the application while the migration runs (for migrations that need downtime).", "x-sop": "§4.2" }),
});

/** Fields of an application that describe how its container runs. */
export const applicationRuntimeShape = {
  image: z.string().min(1).meta({ description: "Image repository without tag, e.g. ghcr.io/wtfb/web. The version is a Terraform variable set at deploy time.", "x-sop": "§2.2" }),
  containerPort: z.number().int().min(1).max(65535).default(3000).meta({ description: "Port the application listens on inside its container." }),
  hostPort: z.number().int().min(1).max(65535).optional().meta({ description: "Port published on the Docker host (by the proxy, or the first replica). Must differ between applications." }),
  healthCheck: healthCheckSchema.meta({ description: "Container health check; deployments wait for it.", "x-sop": "§4.3" }),
  memoryMb: z.number().int().min(16).default(512).meta({ description: "Memory limit per container, in MiB." }),
  cpus: z.number().positive().max(64).default(0.5).meta({ description: "CPU limit per container, in cores." }),
  logMaxSizeMb: z.number().int().min(1).default(10).meta({ description: "Size at which a container's json-file log rotates, in MiB.", "x-sop": "§8.1" }),
  logMaxFiles: z.number().int().min(1).default(5).meta({ description: "Rotated log files kept per container.", "x-sop": "§8.1" }),
  database: databaseSchema.optional().meta({ description: "The application's database migrations; omit when it has none.", "x-sop": "§7.1" }),
};

export const strategySchema = z.discriminatedUnion(
  "type",
  [
    z.strictObject({
      type: z.literal("rolling"),
      replicas: z.number().int().min(1, { error: "a rolling deployment needs at least 1 replica" }).default(1).meta({ description: "Replicas, replaced one at a time." }),
    }),
    z.strictObject({
      type: z.literal("blue-green"),
    }),
    z.strictObject({
      type: z.literal("canary"),
      steps: z
        .array(z.number().int().min(0, { error: "a canary weight is a percentage from 0 to 100" }).max(100, { error: "a canary weight is a percentage from 0 to 100" }))
        .min(1)
        .default([5, 25, 50, 100])
        .meta({ description: "Canary traffic weights (percent) the deploy workflow raises through while the error rate stays under its threshold." }),
    }),
  ],
  { error: "unknown strategy; use one of rolling, blue-green, canary" },
);

/** Per-environment runtime overrides. */
export const environmentRuntimeSchema = z.strictObject({
  dockerHost: z
    .string()
    .regex(/^(unix:\/\/\/.+|ssh:\/\/[^@\s]+@[^\s]+|tcp:\/\/[^\s]+)$/, { error: "must be unix:///path/to/docker.sock, ssh://user@host or tcp://host:port" })
    .optional()
    .meta({ description: "Docker host of this environment.", "x-sop": "§6.2" }),
  strategy: strategySchema.optional().meta({ description: "Deployment strategy.", "x-sop": "§4.2" }),
});

export type EnvironmentRuntimeInput = z.input<typeof environmentRuntimeSchema>;
export type Strategy = z.output<typeof strategySchema>;

export interface EnvironmentRuntime {
  readonly dockerHost: string;
  readonly strategy: Strategy;
}

/** Defaults per environment (SOP §4.2: development rolling, staging blue-green, production canary). */
export const RUNTIME_DEFAULTS: Record<"development" | "staging" | "production", EnvironmentRuntime> = {
  development: { dockerHost: "unix:///var/run/docker.sock", strategy: { type: "rolling", replicas: 1 } },
  staging: { dockerHost: "unix:///var/run/docker.sock", strategy: { type: "blue-green" } },
  production: { dockerHost: "unix:///var/run/docker.sock", strategy: { type: "canary", steps: [5, 25, 50, 100] } },
};
