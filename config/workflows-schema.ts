/**
 * Config fragment for the CI/CD workflows (SOP §2 build, §3.1 release planning, §6.1 CI/CD pipeline).
 */
import { z } from "zod";

export const smokeTestSchema = z.strictObject({
  name: z.string().min(1).meta({ description: "What the smoke test checks." }),
  url: z.string().min(1).optional().meta({ description: "URL path (e.g. /healthz) or full URL that must answer 2xx." }),
  command: z.string().min(1).optional().meta({ description: "Shell command that must exit 0 (runs in the checked-out repository)." }),
});

export const applicationBuildSchema = z.strictObject({
  context: z.string().min(1).default(".").meta({ description: "Directory holding the application's package.json and Dockerfile." }),
  dockerfile: z.string().min(1).default("Dockerfile").meta({ description: "Dockerfile, relative to the context." }),
});

export const workflowsSchema = z.strictObject({
  nodeVersion: z.string().regex(/^\d+(\.\d+){0,2}$/).default("20").meta({ description: "Node.js version the CI uses.", "x-sop": "§2.1" }),
  commands: z
    .strictObject({
      install: z.string().min(1).default("npm ci"),
      lint: z.string().min(1).default("npm run lint"),
      typecheck: z.string().min(1).default("npm run typecheck"),
      unitTest: z.string().min(1).default("npm test"),
      integrationTest: z.string().min(1).optional(),
      build: z.string().min(1).default("npm run build"),
    })
    .default({ install: "npm ci", lint: "npm run lint", typecheck: "npm run typecheck", unitTest: "npm test", build: "npm run build" })
    .meta({ description: "Commands of the build pipeline, in the application repository.", "x-sop": "§2.1" }),
  releaseCron: z.string().default("0 9 * * 1").meta({ description: "When the scheduled release runs (cron, UTC); with releaseEveryWeeks, the cadence.", "x-sop": "§3.1" }),
  releaseEveryWeeks: z.number().int().min(1).max(8).default(2).meta({ description: "Cadence of scheduled releases, in weeks.", "x-sop": "§3.1" }),
  secretMaxAgeDays: z.number().int().min(1).default(90).meta({ description: "Secrets older than this are flagged by the secrets audit.", "x-sop": "§1.2" }),
});

export const environmentDeploySchema = z.strictObject({
  smokeTests: z.array(smokeTestSchema).optional().meta({ description: "Smoke tests run after every deployment.", "x-sop": "§4.1" }),
});

export type EnvironmentDeployInput = z.input<typeof environmentDeploySchema>;
export interface EnvironmentDeploy {
  readonly smokeTests: ReadonlyArray<z.output<typeof smokeTestSchema>>;
}

export const DEPLOY_DEFAULTS: Record<"development" | "staging" | "production", EnvironmentDeploy> = {
  development: { smokeTests: [{ name: "health endpoint answers", url: "/healthz" }] },
  staging: { smokeTests: [{ name: "health endpoint answers", url: "/healthz" }] },
  production: { smokeTests: [{ name: "health endpoint answers", url: "/healthz" }] },
};
