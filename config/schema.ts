/**
 * The pipeline config schema: what `pipeline.config.json` may contain. Unknown keys are rejected
 * everywhere (typo protection); per-environment defaults are applied by `resolveConfig` in `load.ts`.
 */
import { z } from "zod";
import { WEEKDAYS } from "./environments";
import { applicationRuntimeShape, environmentRuntimeSchema } from "./runtime-schema";
import { environmentMonitoringSchema, monitoringSchema } from "./monitoring-schema";
import { applicationBuildSchema, environmentDeploySchema, workflowsSchema } from "./workflows-schema";

const variableName = z
  .string()
  .regex(/^[A-Z_][A-Z0-9_]*$/, {
    error: "must be an UPPER_SNAKE_CASE name (letters, digits, _; not starting with a digit)",
  })
  .refine((name) => !name.startsWith("GITHUB_"), { error: "names starting with GITHUB_ are reserved by GitHub" });

const refPattern = z
  .string()
  .meta({ description: "A branch or tag name, or a glob: * matches within one path component, ** across them." });

export const secretSchema = z.union([
  variableName,
  z.strictObject({
    name: variableName.meta({ description: "Secret name, as the workflows and containers see it." }),
    description: z.string().optional().meta({ description: "What the secret is for (shown in the audit)." }),
    managedBy: z.enum(["terraform", "external"]).default("terraform").meta({
      description:
        "terraform: the repository stack sets the GitHub environment secret from the sensitive variable TF_VAR_<env>_secret_<name>. external: the GitHub secret is set outside Terraform (checked to exist at plan time once the environment exists), and Terraform never holds it as a secret resource. Either way the deploy workflow passes its value to the containers as TF_VAR_secret_<name>.",
    }),
  }),
]);

const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, { error: "must be a 24-hour time HH:MM, e.g. 07:00" });

export const deploymentWindowSchema = z.strictObject({
  days: z.array(z.enum(WEEKDAYS)).min(1).meta({ description: "Days deployments may start (sun … sat)." }),
  start: hhmm.meta({ description: "Start of the window, HH:MM." }),
  end: hhmm.meta({ description: "End of the window, HH:MM (exclusive)." }),
  timezone: z
    .string()
    .default("UTC")
    .refine(isTimeZone, { error: "is not an IANA time zone; use e.g. UTC or Europe/Berlin" })
    .meta({ description: "IANA time zone of start and end." }),
});

export const backendSchema = z.discriminatedUnion(
  "type",
  [
    z.strictObject({
      type: z.literal("local"),
      path: z
        .string()
        .min(1)
        .optional()
        .meta({ description: "State file path, relative to the project root. Default terraform.<stack>.tfstate." }),
    }),
    z.strictObject({
      type: z.literal("s3"),
      bucket: z.string().min(1).meta({ description: "S3 bucket holding the state." }),
      key: z.string().min(1).meta({ description: "Object key of the state file." }),
      region: z
        .string()
        .min(1)
        .meta({ description: "AWS region of the bucket; credentials come from the AWS environment at deploy time." }),
      dynamodbTable: z.string().min(1).optional().meta({ description: "DynamoDB table for state locking." }),
      encrypt: z.boolean().default(true).meta({ description: "Encrypt the state at rest." }),
    }),
    z.strictObject({
      type: z.literal("gcs"),
      bucket: z.string().min(1).meta({ description: "GCS bucket holding the state." }),
      prefix: z.string().min(1).optional().meta({ description: "Object prefix of the state." }),
    }),
    z.strictObject({
      type: z.literal("azurerm"),
      resourceGroupName: z.string().min(1).meta({ description: "Resource group of the storage account." }),
      storageAccountName: z.string().min(1).meta({ description: "Storage account holding the state." }),
      containerName: z.string().min(1).meta({ description: "Blob container holding the state." }),
      key: z.string().min(1).meta({ description: "Blob name of the state file." }),
    }),
    z.strictObject({
      type: z.literal("pg"),
      schemaName: z
        .string()
        .min(1)
        .optional()
        .meta({ description: "The connection string comes from PG_CONN_STR at deploy time, never from the config." }),
    }),
    z.strictObject({
      type: z.literal("remote"),
      organization: z.string().min(1).meta({ description: "Terraform Cloud / Enterprise organization." }),
      workspace: z
        .string()
        .min(1)
        .meta({ description: "Workspace name; the token comes from the Terraform CLI config at deploy time." }),
      hostname: z
        .string()
        .min(1)
        .default("app.terraform.io")
        .meta({ description: "Terraform Cloud / Enterprise host." }),
    }),
  ],
  { error: "unknown backend type; use one of local, s3, gcs, azurerm, pg, remote" },
);

export const reviewersSchema = z.strictObject({
  users: z
    .array(z.string().regex(/^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$/, { error: "must be a GitHub username" }))
    .default([])
    .meta({ description: "GitHub usernames who may approve." }),
  teams: z
    .array(
      z.string().regex(/^[a-z0-9][a-z0-9_-]*$/, { error: "must be a team slug (lowercase, e.g. release-managers)" }),
    )
    .default([])
    .meta({ description: "Team slugs (in the repository owner's organization) who may approve." }),
});

export const environmentOverridesSchema = z.strictObject({
  purpose: z.string().min(1).optional().meta({ description: "What the environment is for.", "x-sop": "§1.1" }),
  stability: z
    .enum(["experimental", "near-production", "highly-stable"])
    .optional()
    .meta({ description: "Stability expectation.", "x-sop": "§1.1" }),
  branches: z
    .array(refPattern)
    .optional()
    .meta({ description: "Branches that may deploy here (deployment branch policy).", "x-sop": "§1.1" }),
  tags: z
    .array(refPattern)
    .optional()
    .meta({ description: "Tags that may deploy here (deployment tag policy).", "x-sop": "§1.1" }),
  deployOnPush: z.boolean().optional().meta({
    description: "Deploy on every push to `branches` (continuous); otherwise on tags, schedule or dispatch.",
    "x-sop": "§1.1",
  }),
  reviewers: reviewersSchema
    .optional()
    .meta({ description: "Who must approve a deployment (any one of them).", "x-sop": "§4.2" }),
  preventSelfReview: z
    .boolean()
    .optional()
    .meta({ description: "The person who triggered a deployment cannot approve it.", "x-sop": "§4.2" }),
  waitTimerMinutes: z
    .number()
    .int()
    .min(0)
    .max(43200)
    .optional()
    .meta({ description: "Minutes a deployment waits after approval before it starts." }),
  canAdminsBypass: z.boolean().optional().meta({ description: "Repository admins may skip the protection rules." }),
  deploymentWindow: deploymentWindowSchema.nullable().optional().meta({
    description: "When deployments may start; null for any time. Emergency dispatches bypass it.",
    "x-sop": "§4.2",
  }),
  settings: z.record(variableName, z.string()).optional().meta({
    description: "Non-secret configuration: GitHub environment variables and container environment.",
    "x-sop": "§1.2",
  }),
  secrets: z
    .array(secretSchema)
    .optional()
    .meta({ description: "Secrets by name; values never enter the config.", "x-sop": "§1.2" }),
  backend: backendSchema.optional().meta({ description: "Where this stack's Terraform state lives." }),
  runtime: environmentRuntimeSchema
    .optional()
    .meta({ description: "Docker host and deployment strategy.", "x-sop": "§4.2" }),
  monitoring: environmentMonitoringSchema
    .optional()
    .meta({ description: "Thresholds and data source for this environment.", "x-sop": "§5.1" }),
  deploy: environmentDeploySchema.optional().meta({ description: "Deploy workflow settings.", "x-sop": "§4.1" }),
});

export const applicationSchema = z.strictObject({
  name: z
    .string()
    .regex(/^[a-z][a-z0-9-]{0,30}[a-z0-9]$/, {
      error: "must be a lowercase DNS label (a-z, 0-9, -), 2–32 characters, e.g. web",
    })
    .meta({ description: "Application name; used in container, dashboard and variable names." }),
  description: z.string().optional().meta({ description: "What the application is." }),
  ...applicationRuntimeShape,
  build: applicationBuildSchema
    .default({ context: ".", dockerfile: "Dockerfile" })
    .meta({ description: "Where CI builds the application image.", "x-sop": "§2.1" }),
});

export const pipelineConfigSchema = z.strictObject({
  $schema: z.string().optional().meta({ description: "Path of the JSON Schema, for editors." }),
  repository: z
    .strictObject({
      owner: z
        .string()
        .regex(/^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$/, { error: "must be a GitHub user or organization name" })
        .meta({ description: "Owner of the application repository." }),
      name: z
        .string()
        .regex(/^[A-Za-z0-9._-]{1,100}$/, { error: "must be a repository name (letters, digits, . _ -)" })
        .meta({ description: "The application repository." }),
      defaultBranch: z
        .string()
        .min(1)
        .default("main")
        .meta({ description: "Branch production releases are cut from." }),
      requiredApprovals: z
        .number()
        .int()
        .min(1)
        .max(10)
        .default(1)
        .meta({ description: "Approvals a pull request needs before merging.", "x-sop": "§3.2" }),
      hotfixBranches: refPattern
        .default("hotfix/*")
        .meta({ description: "Hotfix branches: deploy to staging, then production.", "x-sop": "§7.2" }),
      backend: backendSchema.optional().meta({ description: "Where the repository stack's Terraform state lives." }),
      rulesetBypass: z
        .discriminatedUnion(
          "type",
          [
            z.strictObject({ type: z.literal("repository-admins") }),
            z.strictObject({
              type: z.literal("github-app"),
              appId: z
                .number()
                .int()
                .positive()
                .meta({ description: "ID of the GitHub App that applies the repository stack." }),
            }),
            z.strictObject({ type: z.literal("none") }),
          ],
          { error: "unknown bypass; use repository-admins, github-app or none" },
        )
        .default({ type: "repository-admins" })
        .meta({
          description:
            "Who may bypass the default-branch ruleset. Terraform commits the workflow files straight to the default branch, so the identity applying the repository stack needs it: prefer a GitHub App; none only if you apply with another bypass.",
          "x-sop": "§6.1",
        }),
    })
    .meta({ description: "The GitHub repository the pipeline serves." }),
  applications: z
    .array(applicationSchema)
    .min(1, { error: "needs at least one application" })
    .meta({ description: "Applications (services) deployed to every environment." }),
  environments: z
    .strictObject(
      {
        development: environmentOverridesSchema.optional(),
        staging: environmentOverridesSchema.optional(),
        production: environmentOverridesSchema.optional(),
      },
      {
        error: (issue) =>
          issue.code === "unrecognized_keys"
            ? `unknown environment ${issue.keys.map((key) => JSON.stringify(key)).join(", ")}; the SOP has exactly development, staging and production`
            : undefined,
      },
    )
    .default({})
    .meta({ description: "Overrides of the per-environment defaults.", "x-sop": "§1.1" }),
  monitoring: monitoringSchema.meta({ description: "Grafana, metrics and contact points.", "x-sop": "§6.2" }),
  workflows: workflowsSchema
    .default(workflowsSchema.parse({}))
    .meta({ description: "CI/CD workflow settings.", "x-sop": "§6.1" }),
});

export type PipelineConfigInput = z.input<typeof pipelineConfigSchema>;
export type ParsedPipelineConfig = z.output<typeof pipelineConfigSchema>;
export type EnvironmentOverrides = z.output<typeof environmentOverridesSchema>;
export type ApplicationConfig = z.output<typeof applicationSchema>;
export type BackendConfig = z.output<typeof backendSchema>;
export type DeploymentWindow = z.output<typeof deploymentWindowSchema>;
export type Reviewers = z.output<typeof reviewersSchema>;

function isTimeZone(zone: string): boolean {
  // Asking Intl loads ICU's time-zone data (about 10 ms); the default needs no check.
  if (zone === "UTC") return true;
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}
