/**
 * Config fragment for the container runtime (SOP §4.2 strategies, §7.1 migrations):
 * per-application container settings and per-environment Docker host and strategy.
 */
import { z } from "zod";
import { ENVIRONMENT_NAMES } from "./environments";
import type { ConfigIssue } from "./errors";
import type { PipelineConfig } from "./types";

/** The canary weights (percent) a canary strategy steps through when the config or the construct names none. */
export const DEFAULT_CANARY_STEPS: readonly number[] = Object.freeze([5, 25, 50, 100]);

/** Docker's own health check keywords: the config gives the command only, the runtime adds `CMD`. */
const HEALTH_CHECK_KEYWORDS = ["CMD", "CMD-SHELL", "NONE"];

const commandSchema = z
  .array(z.string().min(1))
  .min(1, { error: 'needs at least one word, e.g. ["npm", "run", "migrate"]' });

/** An image repository without tag or digest: `ghcr.io/wtfb/web`, `registry.example:5000/team/api`, `wtfb/web`. */
const IMAGE_REPOSITORY =
  /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9.-]*[a-zA-Z0-9])?(?::[0-9]+)?\/)?[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/;

/** An image reference with tag and/or digest, for images the runtime runs as they are (proxy, backup client). */
const IMAGE_REFERENCE =
  // eslint-disable-next-line no-useless-escape -- the pattern is also the JSON Schema's (pipeline.config.schema.json), as written
  /^[a-zA-Z0-9][a-zA-Z0-9._\/:-]*(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(?:@sha256:[a-f0-9]{64})?$/;

export const healthCheckSchema = z.strictObject({
  command: commandSchema
    .refine((words) => !HEALTH_CHECK_KEYWORDS.includes(words[0]), {
      error:
        'starts with a Docker health check keyword; give the command only (the runtime adds CMD), e.g. ["curl", "-fsS", "http://localhost:3000/healthz"]',
    })
    .meta({
      description: "Command run inside the container; exit 0 means healthy (exec form, without CMD).",
      "x-sop": "§4.3",
    }),
  intervalSeconds: z.number().int().min(1).default(10).meta({ description: "Seconds between checks." }),
  timeoutSeconds: z
    .number()
    .int()
    .min(1)
    .default(5)
    .meta({ description: "Seconds before one check counts as failed." }),
  retries: z
    .number()
    .int()
    .min(1)
    .default(3)
    .meta({ description: "Failed checks in a row before the container is unhealthy." }),
  startPeriodSeconds: z
    .number()
    .int()
    .min(0)
    .default(15)
    .meta({ description: "Grace period after start during which failures do not count." }),
});

export const databaseSchema = z
  .strictObject({
    engine: z
      .enum(["postgres", "mysql"])
      .default("postgres")
      .meta({ description: "Database engine; postgres has a default backup (pg_dump), mysql needs backupCommand." }),
    backupCommand: commandSchema.optional().meta({
      description:
        "Command that writes a dump to the file named by $BACKUP_FILE (under /backups); runs in the application image before every migration. Default for postgres: pg_dump of $DATABASE_URL.",
      "x-sop": "§7.1",
    }),
    backupImage: z
      .string()
      .regex(IMAGE_REFERENCE, { error: "must be an image reference, e.g. postgres:17-alpine" })
      .optional()
      .meta({
        description:
          "Image the default pg_dump backup runs in; its pg_dump must be at least the server's major version. Default postgres:17-alpine.",
      }),
    databaseUrlSecret: z
      .string()
      .regex(/^[A-Z_][A-Z0-9_]*$/, { error: "must be the UPPER_SNAKE_CASE name of a secret" })
      .default("DATABASE_URL")
      .meta({ description: "Secret holding the connection URL the default backup dumps." }),
    backupsKept: z.number().int().min(1).max(1000).default(10).meta({
      description:
        "Newest backups kept in the backup volume per environment; older ones are deleted after each backup.",
      "x-sop": "§7.1",
    }),
    migrationCommand: commandSchema.meta({
      description: "Command that applies pending migrations (run in the application image).",
      "x-sop": "§7.1",
    }),
    rollbackCommand: commandSchema.optional().meta({
      description: "Command that reverts the last migration; exposed to the rollback workflow.",
      "x-sop": "§5.2",
    }),
    migrationTimeoutSeconds: z.number().int().min(1).max(86400).default(600).meta({
      description: "A migration running longer than this is stopped and the deployment fails.",
      "x-sop": "§7.1",
    }),
    scaleDownDuringMigration: z.boolean().default(false).meta({
      description:
        "Stop the application while the migration runs (for migrations that need downtime); rolling strategy only.",
      "x-sop": "§4.2",
    }),
  })
  .superRefine((database, context) => {
    if (database.engine === "mysql" && database.backupCommand === undefined) {
      context.addIssue({
        code: "custom",
        path: ["backupCommand"],
        message:
          'mysql has no default backup; set backupCommand to a command that writes a dump to $BACKUP_FILE, e.g. ["sh", "-c", "mysqldump --single-transaction --result-file=$BACKUP_FILE \\"$DATABASE_NAME\\""]',
      });
    }
  });

/** Fields of an application that describe how its container runs. */
export const applicationRuntimeShape = {
  image: z
    .string()
    .regex(IMAGE_REPOSITORY, {
      error:
        "must be an image repository without tag or digest, e.g. ghcr.io/wtfb/web (the version is a Terraform variable set at deploy time)",
    })
    .meta({
      description:
        "Image repository without tag, e.g. ghcr.io/wtfb/web. The version is a Terraform variable set at deploy time.",
      "x-sop": "§2.2",
    }),
  containerPort: z
    .number()
    .int()
    .min(1)
    .max(65535)
    .default(3000)
    .meta({ description: "Port the application listens on inside its container." }),
  hostPort: z.number().int().min(1).max(65535).optional().meta({
    description:
      "Port the application's proxy publishes on the Docker host. Must differ between applications; omit to reach the proxy only on the environment's network.",
  }),
  healthCheck: healthCheckSchema.meta({
    description: "Container health check; deployments wait for it.",
    "x-sop": "§4.3",
  }),
  memoryMb: z.number().int().min(16).default(512).meta({ description: "Memory limit per container, in MiB." }),
  cpus: z.number().positive().max(64).default(0.5).meta({ description: "CPU limit per container, in cores." }),
  logMaxSizeMb: z
    .number()
    .int()
    .min(1)
    .default(10)
    .meta({ description: "Size at which a container's json-file log rotates, in MiB.", "x-sop": "§8.1" }),
  logMaxFiles: z
    .number()
    .int()
    .min(1)
    .default(5)
    .meta({ description: "Rotated log files kept per container.", "x-sop": "§8.1" }),
  stopGracePeriodSeconds: z.number().int().min(0).max(3600).default(30).meta({
    description: "Seconds a replaced container gets to finish in-flight requests after SIGTERM before it is killed.",
  }),
  database: databaseSchema
    .optional()
    .meta({ description: "The application's database migrations; omit when it has none.", "x-sop": "§7.1" }),
};

const canaryWeight = z
  .number({ error: "a canary weight is a percentage from 0 to 100" })
  .int({ error: "a canary weight is a whole percentage from 0 to 100" })
  .min(0, { error: "a canary weight is a percentage from 0 to 100" })
  .max(100, { error: "a canary weight is a percentage from 0 to 100" });

export const strategySchema = z.discriminatedUnion(
  "type",
  [
    z.strictObject({
      type: z.literal("rolling"),
      replicas: z
        .number()
        .int()
        .min(1, { error: "a rolling deployment needs at least 1 replica" })
        .max(50, { error: "at most 50 replicas per application on one Docker host" })
        .default(1)
        .meta({ description: "Replicas, replaced one at a time." }),
    }),
    z.strictObject({
      type: z.literal("blue-green"),
    }),
    z.strictObject({
      type: z.literal("canary"),
      steps: z
        .array(canaryWeight)
        .min(1)
        .default(() => [...DEFAULT_CANARY_STEPS])
        .superRefine((steps, context) => {
          steps.forEach((step, index) => {
            if (index > 0 && step <= steps[index - 1]) {
              context.addIssue({
                code: "custom",
                path: [index],
                message: `canary weights must rise step by step, but ${step} follows ${steps[index - 1]}; list them in increasing order, e.g. [5, 25, 50, 100]`,
              });
            }
          });
        })
        .meta({
          description:
            "Canary traffic weights (percent) the deploy workflow raises through while the error rate stays under its threshold.",
        }),
    }),
  ],
  { error: "unknown strategy; use one of rolling, blue-green, canary" },
);

/** Per-environment runtime overrides. */
export const environmentRuntimeSchema = z.strictObject({
  dockerHost: z
    .string()
    .regex(/^(unix:\/\/\/.+|ssh:\/\/[^@\s]+@[^\s]+|tcp:\/\/[^\s]+)$/, {
      error: "must be unix:///path/to/docker.sock, ssh://user@host or tcp://host:port",
    })
    .optional()
    .meta({ description: "Docker host of this environment.", "x-sop": "§6.2" }),
  strategy: strategySchema.optional().meta({ description: "Deployment strategy.", "x-sop": "§4.2" }),
  proxyImage: z
    .string()
    .regex(IMAGE_REFERENCE, { error: "must be an image reference, e.g. nginx:1.27-alpine (add @sha256:… to pin it)" })
    .optional()
    .meta({
      description:
        "nginx image of the applications' reverse proxies (needs /bin/sh, cksum, tail, find and wget or curl; the full list is in docs/runtime.md). Pin it with a digest for reproducible proxies.",
    }),
});

export type EnvironmentRuntimeInput = z.input<typeof environmentRuntimeSchema>;
export type Strategy = z.output<typeof strategySchema>;
export type DatabaseConfig = z.output<typeof databaseSchema>;
export type HealthCheckConfig = z.output<typeof healthCheckSchema>;

export interface EnvironmentRuntime {
  readonly dockerHost: string;
  readonly strategy: Strategy;
  readonly proxyImage: string;
}

/** The proxy image when the config names none. */
export const DEFAULT_PROXY_IMAGE = "nginx:1.27-alpine";
/** The image of the default postgres backup (pg_dump 17 dumps servers up to 17). */
export const DEFAULT_POSTGRES_BACKUP_IMAGE = "postgres:17-alpine";

/** Defaults per environment (SOP §4.2: development rolling, staging blue-green, production canary). */
export const RUNTIME_DEFAULTS: Record<"development" | "staging" | "production", EnvironmentRuntime> = {
  development: {
    dockerHost: "unix:///var/run/docker.sock",
    strategy: { type: "rolling", replicas: 1 },
    proxyImage: DEFAULT_PROXY_IMAGE,
  },
  staging: {
    dockerHost: "unix:///var/run/docker.sock",
    strategy: { type: "blue-green" },
    proxyImage: DEFAULT_PROXY_IMAGE,
  },
  production: {
    dockerHost: "unix:///var/run/docker.sock",
    strategy: { type: "canary", steps: [...DEFAULT_CANARY_STEPS] },
    proxyImage: DEFAULT_PROXY_IMAGE,
  },
};

/**
 * Runtime rules that span applications and environments: the default backup needs the database URL secret in
 * every environment, and scaling down for a migration only fits the rolling strategy (blue-green and canary keep
 * the previous release serving while the new one migrates, so their migrations must be backward compatible).
 */
export function checkRuntime(config: PipelineConfig): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  config.applications.forEach((application, index) => {
    const database = application.database;
    if (!database) return;
    for (const name of ENVIRONMENT_NAMES) {
      const environment = config.environments[name];
      if (
        database.backupCommand === undefined &&
        !environment.secrets.some((secret) => secret.name === database.databaseUrlSecret)
      ) {
        issues.push({
          path: `environments.${name}.secrets`,
          message: `the default backup of ${application.name} dumps the database at $${database.databaseUrlSecret}, but ${name} declares no secret ${database.databaseUrlSecret}`,
          fix: `add "${database.databaseUrlSecret}" to environments.${name}.secrets, or set applications[${index}].database.databaseUrlSecret to the secret holding the connection URL`,
        });
      }
      const strategy = environment.runtime.strategy.type;
      if (database.scaleDownDuringMigration && strategy !== "rolling") {
        issues.push({
          path: `applications[${index}].database.scaleDownDuringMigration`,
          message: `${name} deploys ${application.name} ${strategy}, which keeps the previous release serving while the new one migrates, so it cannot scale down for a migration`,
          fix: `make the migration backward compatible (expand, then contract in a later release) and set it to false, or set environments.${name}.runtime.strategy to { "type": "rolling" }`,
        });
      }
    }
  });
  return issues;
}
