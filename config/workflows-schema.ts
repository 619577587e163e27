/**
 * Config fragment for the CI/CD workflows (SOP §2 build, §3.1 release planning, §4 deployment, §6.1 CI/CD pipeline),
 * and the cross-field rules that keep the workflows consistent with the environments.
 */
import { z } from "zod";
import { ENVIRONMENT_NAMES, WEEKDAYS, type Weekday } from "./environments";
import type { ConfigIssue } from "./errors";
import { refPatternMatches } from "./patterns";
import type { DeploymentWindow, PipelineConfig } from "./types";

/** A shell command the workflows run; GitHub would evaluate `${{ }}` in it before the shell sees it. */
const shellCommand = z
  .string()
  .min(1)
  .refine((command) => !command.includes("${{"), {
    error:
      "must not contain ${{ }}: GitHub expands it into the script before the shell runs (script injection); read values from environment variables instead",
  });

export const smokeTestSchema = z.strictObject({
  name: z.string().min(1).meta({ description: "What the smoke test checks." }),
  url: z
    .string()
    .min(1)
    .optional()
    .meta({ description: "URL path (e.g. /healthz, relative to deploy.url) or full URL that must answer 2xx." }),
  command: shellCommand.optional().meta({
    description: "Shell command that must exit 0 (runs in the checked-out repository; BASE_URL holds deploy.url).",
  }),
});

export const applicationBuildSchema = z.strictObject({
  context: z
    .string()
    .min(1)
    .default(".")
    .meta({ description: "Directory holding the application's package.json and Dockerfile." }),
  dockerfile: z.string().min(1).default("Dockerfile").meta({ description: "Dockerfile, relative to the context." }),
  outputDirectory: z.string().min(1).optional().meta({
    description:
      "Production assets the build command writes, relative to the context (e.g. dist, .next); CI uploads them as an artifact.",
    "x-sop": "§2.1",
  }),
});

/** Runner labels: one label, or several that must all match. */
const runnerLabels = z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]);
export type RunnerLabels = z.output<typeof runnerLabels>;

const cronField = /^[0-9A-Za-z*,/-]+$/;
const cron = z.string().refine(
  (value) =>
    value.trim().split(/\s+/).length === 5 &&
    value
      .trim()
      .split(/\s+/)
      .every((field) => cronField.test(field)),
  {
    error: 'must be a 5-field cron expression in UTC (minute hour day-of-month month day-of-week), e.g. "0 8 * * 2"',
  },
);

export const workflowsSchema = z.strictObject({
  nodeVersion: z
    .string()
    .regex(/^\d+(\.\d+){0,2}$/)
    .default("20")
    .meta({ description: "Node.js version the CI uses.", "x-sop": "§2.1" }),
  commands: z
    .strictObject({
      install: shellCommand
        .default("npm ci")
        .meta({ description: "Installs dependencies (npm's download cache is restored first)." }),
      lint: shellCommand.default("npm run lint").meta({ description: "Lints the code." }),
      typecheck: shellCommand.default("npm run typecheck").meta({ description: "Type checks the code." }),
      unitTest: shellCommand.default("npm test").meta({ description: "Runs the unit tests." }),
      integrationTest: shellCommand
        .optional()
        .meta({ description: "Runs the integration tests; omit when there are none." }),
      build: shellCommand.default("npm run build").meta({ description: "Builds the production assets." }),
    })
    .default({
      install: "npm ci",
      lint: "npm run lint",
      typecheck: "npm run typecheck",
      unitTest: "npm test",
      build: "npm run build",
    })
    .meta({ description: "Commands of the build pipeline, in the application repository.", "x-sop": "§2.1" }),
  runsOn: runnerLabels
    .default("ubuntu-latest")
    .meta({ description: "Runner labels of the CI, plan review, release and audit jobs." }),
  pipelineDirectory: z
    .string()
    .regex(/^(?!\/)(?!.*(^|\/)\.\.(\/|$))[A-Za-z0-9._/-]+$/, {
      error: "must be a relative path inside the repository, e.g. infra",
    })
    .default("infra")
    .meta({
      description:
        "Where this wtfb-deploy project lives inside the application repository; deploy jobs run `npx cdktf deploy <env>` there.",
      "x-sop": "§6.2",
    }),
  releaseCron: cron.default("0 8 * * 2").meta({
    description:
      "When the scheduled release runs (cron, UTC); it must fall inside production's deployment window, since its tag starts the production deploy.",
    "x-sop": "§3.1",
  }),
  releaseEveryWeeks: z
    .number()
    .int()
    .min(1)
    .max(8)
    .default(2)
    .meta({ description: "Cadence of scheduled releases, in weeks.", "x-sop": "§3.1" }),
  releaseTagPrefix: z
    .string()
    .regex(/^[A-Za-z0-9._-]*$/, { error: "must be letters, digits, . _ or - (e.g. v)" })
    .default("v")
    .meta({
      description: "Release tags are <prefix><MAJOR.MINOR.PATCH>; production's tag patterns must match them.",
      "x-sop": "§2.2",
    }),
  secretMaxAgeDays: z
    .number()
    .int()
    .min(1)
    .default(90)
    .meta({ description: "Secrets older than this are flagged by the secrets audit.", "x-sop": "§1.2" }),
  secretsAuditCron: cron
    .default("0 6 * * 1")
    .meta({ description: "When the secrets audit runs (cron, UTC).", "x-sop": "§1.2" }),
});

export const environmentDeploySchema = z.strictObject({
  smokeTests: z
    .array(smokeTestSchema)
    .optional()
    .meta({ description: "Smoke tests run after every deployment.", "x-sop": "§4.1" }),
  url: z.url().optional().meta({
    description:
      "Public base URL of the environment: relative smoke-test URLs resolve against it and the GitHub deployment links to it. Default: settings.PUBLIC_URL.",
    "x-sop": "§4.3",
  }),
  runsOn: runnerLabels.optional().meta({
    description:
      "Runner labels of the deploy and rollback jobs; the runner must reach the Docker host, Prometheus and the Pushgateway.",
  }),
  cancelInProgress: z.boolean().optional().meta({
    description:
      "Must stay false: an apply is never cancelled midway (a newer deployment replaces one that is still pending, and waits for one in progress).",
    "x-sop": "§4.2",
  }),
  canaryStepMinutes: z
    .number()
    .int()
    .min(1)
    .max(120)
    .optional()
    .meta({ description: "Minutes each canary weight is watched before the next is applied.", "x-sop": "§4.2" }),
  rollbackVerificationMinutes: z.number().int().min(0).max(240).optional().meta({
    description: "Minutes a rollback watches error rate and latency before it counts as verified.",
    "x-sop": "§5.2",
  }),
});

export type EnvironmentDeployInput = z.input<typeof environmentDeploySchema>;
export type SmokeTest = z.output<typeof smokeTestSchema>;

export interface EnvironmentDeploy {
  readonly smokeTests: readonly SmokeTest[];
  /** Public base URL; absent means settings.PUBLIC_URL, if any. */
  readonly url?: string;
  readonly runsOn: RunnerLabels;
  readonly cancelInProgress: boolean;
  readonly canaryStepMinutes: number;
  readonly rollbackVerificationMinutes: number;
}

const COMMON_DEPLOY_DEFAULTS = {
  smokeTests: [{ name: "health endpoint answers", url: "/healthz" }],
  runsOn: "ubuntu-latest",
  canaryStepMinutes: 5,
  rollbackVerificationMinutes: 10,
} as const;

/** Every environment finishes the apply it started; a newer push replaces a deployment that is still pending. */
export const DEPLOY_DEFAULTS: Record<"development" | "staging" | "production", EnvironmentDeploy> = {
  development: { ...COMMON_DEPLOY_DEFAULTS, cancelInProgress: false },
  staging: { ...COMMON_DEPLOY_DEFAULTS, cancelInProgress: false },
  production: { ...COMMON_DEPLOY_DEFAULTS, cancelInProgress: false },
};

/** The environment's public base URL: `deploy.url`, else the `PUBLIC_URL` setting. */
export function environmentUrl(environment: {
  readonly deploy: EnvironmentDeploy;
  readonly settings: Readonly<Record<string, string>>;
}): string | undefined {
  return environment.deploy.url ?? environment.settings.PUBLIC_URL;
}

export function isAbsoluteUrl(url: string): boolean {
  return /^https?:\/\//.test(url);
}

// ---------------------------------------------------------------------------------------------------------------
// Cross-field rules (registered in CONFIG_CHECKS)

type Check = (config: PipelineConfig) => ConfigIssue[];

export const checkDeployConcurrency: Check = (config) =>
  ENVIRONMENT_NAMES.filter((name) => config.environments[name].deploy.cancelInProgress).map((name) => ({
    path: `environments.${name}.deploy.cancelInProgress`,
    message:
      "a deployment in progress is never cancelled: a cancel mid-apply leaves a half-applied environment and can stop a rollback (a newer deployment still replaces one that is pending)",
    fix: "remove it or set it to false",
  }));

export const checkSmokeTests: Check = (config) =>
  ENVIRONMENT_NAMES.flatMap((name) => {
    const environment = config.environments[name];
    const issues: ConfigIssue[] = [];
    environment.deploy.smokeTests.forEach((test, index) => {
      const path = `environments.${name}.deploy.smokeTests[${index}]`;
      if (test.url === undefined && test.command === undefined) {
        issues.push({
          path,
          message: `smoke test ${JSON.stringify(test.name)} has neither url nor command`,
          fix: 'add "url": "/healthz" or "command": "npm run smoke"',
        });
      }
      if (test.url !== undefined && !isAbsoluteUrl(test.url) && environmentUrl(environment) === undefined) {
        issues.push({
          path: `environments.${name}.deploy.url`,
          message: `smoke test ${JSON.stringify(test.name)} checks the relative URL ${JSON.stringify(test.url)}, but ${name} has no public base URL`,
          fix: `set environments.${name}.deploy.url (or settings.PUBLIC_URL), or give the smoke test a full https:// URL`,
        });
      }
    });
    return issues;
  });

export const checkReleaseTags: Check = (config) => {
  const example = `${config.workflows.releaseTagPrefix}1.2.3`;
  const tags = config.environments.production.tags;
  return tags.some((pattern) => refPatternMatches(pattern, example))
    ? []
    : [
        {
          path: "environments.production.tags",
          message: `the release workflow tags releases like ${example}, but production deploys on tags ${JSON.stringify(tags)}, so no release would reach production`,
          fix: `add "${config.workflows.releaseTagPrefix}*" to environments.production.tags, or change workflows.releaseTagPrefix`,
        },
      ];
};

export const checkReleaseSchedule: Check = (config) => {
  const window = config.environments.production.deploymentWindow;
  if (!window) return [];
  const outside = cronTimesOutsideWindow(config.workflows.releaseCron, window);
  return outside === undefined || outside.length === 0
    ? []
    : [
        {
          path: "workflows.releaseCron",
          message: `the scheduled release (${config.workflows.releaseCron}, UTC) tags at ${outside[0]}, outside production's deployment window (${window.days.join(", ")} ${window.start}–${window.end} ${window.timezone}), so its production deploy would be refused`,
          fix: `move the release into the window, e.g. "${suggestCron(window)}"`,
        },
      ];
};

/** Rules of this fragment, in the order their problems are reported. */
export const WORKFLOW_CONFIG_CHECKS: readonly Check[] = [
  checkDeployConcurrency,
  checkSmokeTests,
  checkReleaseTags,
  checkReleaseSchedule,
];

// ---------------------------------------------------------------------------------------------------------------
// Deployment windows and cron, shared by the release-schedule rule and the tests of the workflow's window check

/** Is a local weekday and time (HH:MM) inside the window? A window whose end is before its start spans midnight, and belongs to the day it starts. */
export function insideDeploymentWindow(
  window: Pick<DeploymentWindow, "days" | "start" | "end">,
  day: Weekday,
  time: string,
): boolean {
  const days = window.days as readonly Weekday[];
  if (window.start < window.end) return days.includes(day) && time >= window.start && time < window.end;
  const previous = WEEKDAYS[(WEEKDAYS.indexOf(day) + 6) % 7];
  return (days.includes(day) && time >= window.start) || (days.includes(previous) && time < window.end);
}

/** An instant's weekday and time (HH:MM) in a time zone. UTC needs no Intl, which loads ICU's time-zone data (~10 ms). */
export function localWeekdayAndTime(instant: Date, timezone: string): { day: Weekday; time: string } {
  if (timezone === "UTC") {
    return {
      day: WEEKDAYS[instant.getUTCDay()],
      time: `${String(instant.getUTCHours()).padStart(2, "0")}:${String(instant.getUTCMinutes()).padStart(2, "0")}`,
    };
  }
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat("en-US", {
      timeZone: timezone,
      weekday: "short",
      hour: "2-digit",
      minute: "2-digit",
      hourCycle: "h23",
    })
      .formatToParts(instant)
      .map((part) => [part.type, part.value]),
  );
  return { day: parts.weekday.toLowerCase() as Weekday, time: `${parts.hour}:${parts.minute}` };
}

/**
 * The firing times of a cron expression (in UTC) that fall outside a deployment window, as "tue 09:00 UTC";
 * undefined when the expression restricts day of month or month (then it cannot be judged by weekday alone).
 * Checked in a January and a July week, so daylight-saving time zones are judged in both seasons.
 */
export function cronTimesOutsideWindow(expression: string, window: DeploymentWindow): string[] | undefined {
  const [minuteField, hourField, dayOfMonthField, monthField, dayOfWeekField] = expression.trim().split(/\s+/);
  if (dayOfMonthField !== "*" || monthField !== "*") return undefined;
  const minutes = expandCronField(minuteField, 0, 59);
  const hours = expandCronField(hourField, 0, 23);
  const days = expandCronField(dayOfWeekField, 0, 7)?.map((day) => day % 7);
  if (!minutes || !hours || !days) return undefined;

  const outside: string[] = [];
  // 2025-01-05 and 2025-07-06 are Sundays.
  for (const sunday of [Date.UTC(2025, 0, 5), Date.UTC(2025, 6, 6)]) {
    for (const day of [...new Set(days)].sort()) {
      for (const hour of hours) {
        for (const minute of minutes) {
          const local = localWeekdayAndTime(
            new Date(sunday + ((day * 24 + hour) * 60 + minute) * 60_000),
            window.timezone,
          );
          if (!insideDeploymentWindow(window, local.day, local.time)) {
            const utc = `${WEEKDAYS[day]} ${String(hour).padStart(2, "0")}:${String(minute).padStart(2, "0")} UTC`;
            if (!outside.includes(utc)) outside.push(utc);
          }
        }
      }
    }
  }
  return outside;
}

/** Values of one numeric cron field (`*`, lists, ranges, steps); undefined for names or anything else. */
function expandCronField(field: string, min: number, max: number): number[] | undefined {
  const values = new Set<number>();
  for (const part of field.split(",")) {
    const match = /^(\*|(\d+)(?:-(\d+))?)(?:\/(\d+))?$/.exec(part);
    if (!match) return undefined;
    const start = match[1] === "*" ? min : Number(match[2]);
    const end =
      match[1] === "*" ? max : match[3] !== undefined ? Number(match[3]) : match[4] !== undefined ? max : start;
    const step = match[4] !== undefined ? Number(match[4]) : 1;
    if (start < min || end > max || start > end || step < 1) return undefined;
    for (let value = start; value <= end; value += step) values.add(value);
  }
  return [...values];
}

/** A cron expression at the start of the window's first day, when the window's time zone is UTC; a generic example otherwise. */
function suggestCron(window: DeploymentWindow): string {
  if (window.timezone !== "UTC" && window.timezone !== "Etc/UTC")
    return "0 8 * * 2 (adjusted to the window's time zone)";
  const [hour, minute] = window.start.split(":").map(Number);
  return `${minute} ${hour} * * ${WEEKDAYS.indexOf(window.days[0] as Weekday)}`;
}
