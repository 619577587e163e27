/**
 * The typed model of a GitHub Actions workflow: plain data, no behaviour. Builders produce it, one renderer
 * (`render.ts`) turns it into YAML, tests read it. Field names are the model's own (camelCase); the renderer maps
 * them to GitHub's keys explicitly. Maps keyed by the user (`env`, `with`, `secrets`, `outputs`) are kept as given.
 */

/** Access of the GITHUB_TOKEN to one scope. */
export type PermissionLevel = "read" | "write" | "none";

/** Scopes of the GITHUB_TOKEN a job can be granted. */
export type PermissionScope =
  | "actions"
  | "attestations"
  | "checks"
  | "contents"
  | "deployments"
  | "id-token"
  | "issues"
  | "packages"
  | "pages"
  | "pull-requests"
  | "security-events"
  | "statuses";

/** The GITHUB_TOKEN's permissions; scopes left out get no access, so `{}` is no access at all. */
export type Permissions = Readonly<Partial<Record<PermissionScope, PermissionLevel>>>;

/** Only one run (or job) of a group runs at a time. */
export interface Concurrency {
  /** Group name; may contain expressions. */
  readonly group: string;
  /** A newer run cancels the one in progress (a boolean, or an expression giving one). */
  readonly cancelInProgress: boolean | string;
}

export interface PushTrigger {
  readonly branches?: readonly string[];
  readonly tags?: readonly string[];
  readonly paths?: readonly string[];
}

export interface PullRequestTrigger {
  readonly branches?: readonly string[];
  readonly paths?: readonly string[];
  readonly types?: readonly string[];
}

/** An input of a manually dispatched workflow. */
export interface DispatchInput {
  readonly description: string;
  readonly type: "string" | "boolean" | "choice" | "number" | "environment";
  readonly required?: boolean;
  readonly default?: string | boolean | number;
  /** Choices, for `type: "choice"`. */
  readonly options?: readonly string[];
}

/** An input of a reusable workflow. */
export interface CallInput {
  readonly description: string;
  readonly type: "string" | "boolean" | "number";
  readonly required?: boolean;
  readonly default?: string | boolean | number;
}

export interface CallSecret {
  readonly description: string;
  readonly required: boolean;
}

export interface CallOutput {
  readonly description: string;
  /** Expression over `jobs.<id>.outputs`. */
  readonly value: string;
}

/** When a workflow runs. */
export interface Triggers {
  readonly push?: PushTrigger;
  readonly pullRequest?: PullRequestTrigger;
  readonly workflowDispatch?: { readonly inputs?: Readonly<Record<string, DispatchInput>> };
  /** Makes the workflow reusable (`uses: ./.github/workflows/<file>`). */
  readonly workflowCall?: {
    readonly inputs?: Readonly<Record<string, CallInput>>;
    readonly secrets?: Readonly<Record<string, CallSecret>>;
    readonly outputs?: Readonly<Record<string, CallOutput>>;
  };
  readonly workflowRun?: {
    readonly workflows: readonly string[];
    readonly types: ReadonlyArray<"completed" | "requested" | "in_progress">;
  };
  readonly repositoryDispatch?: { readonly types: readonly string[] };
  readonly schedule?: ReadonlyArray<{ readonly cron: string }>;
}

interface StepCommon {
  /** Id, for `steps.<id>.outputs` and `steps.<id>.outcome`. */
  readonly id?: string;
  /** What the step does, in the SOP's words. */
  readonly name: string;
  readonly if?: string;
  readonly env?: Readonly<Record<string, string>>;
  readonly continueOnError?: boolean;
  readonly timeoutMinutes?: number;
}

/** A shell script. Expressions never appear in it: values reach it through `env`. */
export interface RunStep extends StepCommon {
  readonly run: string;
  readonly shell?: string;
  readonly workingDirectory?: string;
}

/** An action pinned to a full commit SHA (see `actions.ts`). */
export interface ActionReference {
  /** owner/name (or owner/name/path). */
  readonly repository: string;
  /** Full 40-character commit SHA. */
  readonly sha: string;
  /** The release the SHA is, shown beside it. */
  readonly version: string;
}

export interface UsesStep extends StepCommon {
  readonly uses: ActionReference;
  readonly with?: Readonly<Record<string, string | number | boolean>>;
}

export type Step = RunStep | UsesStep;

/** The GitHub environment a job deploys to; its protection rules and secrets apply to the job. */
export interface JobEnvironment {
  readonly name: string;
  /** Shown on the deployment. */
  readonly url?: string;
}

interface JobCommon {
  /** Display name; for CI jobs also the status check's name. */
  readonly name?: string;
  readonly needs?: readonly string[];
  readonly if?: string;
  /** Required on every job: what the GITHUB_TOKEN may do. */
  readonly permissions: Permissions;
  readonly concurrency?: Concurrency;
}

/** A job that runs steps on a runner. */
export interface RunnerJob extends JobCommon {
  readonly runsOn: string | readonly string[];
  readonly environment?: JobEnvironment;
  /** Required: a hung job is cancelled instead of holding a runner (and a deploy lock) for six hours. */
  readonly timeoutMinutes: number;
  /** Runs the job once per matrix entry. @default - once */
  readonly strategy?: JobStrategy;
  readonly outputs?: Readonly<Record<string, string>>;
  readonly env?: Readonly<Record<string, string>>;
  readonly steps: readonly Step[];
}

/** A job matrix given as its entries (`include`), each a map of the `matrix.*` values one run of the job sees. */
export interface JobStrategy {
  /** Cancel the other runs when one fails. GitHub's default is true. */
  readonly failFast: boolean;
  readonly include: ReadonlyArray<Readonly<Record<string, string>>>;
}

/** A job that calls a reusable workflow of the same repository. */
export interface CallJob extends JobCommon {
  /** `./.github/workflows/<file>`. */
  readonly uses: string;
  readonly with?: Readonly<Record<string, string | number | boolean>>;
  readonly secrets?: Readonly<Record<string, string>>;
}

export type Job = RunnerJob | CallJob;

/** One workflow file. */
export interface Workflow {
  /** File name under .github/workflows/, e.g. `ci.yml`. */
  readonly fileName: string;
  readonly name: string;
  /** Name of each run, may contain expressions. */
  readonly runName?: string;
  readonly on: Triggers;
  /** Workflow-level permissions: `{}` or read-only; jobs grant themselves what they need. */
  readonly permissions: Permissions;
  readonly concurrency?: Concurrency;
  readonly env?: Readonly<Record<string, string>>;
  /** Shell of every `run` step (bash gives -o pipefail). */
  readonly defaultShell?: string;
  /** Jobs by id, in order. */
  readonly jobs: Readonly<Record<string, Job>>;
}

export function isCallJob(job: Job): job is CallJob {
  return "uses" in job;
}

export function isUsesStep(step: Step): step is UsesStep {
  return "uses" in step;
}
