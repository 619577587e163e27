/** Reusable steps, as static factories over the pinned actions. */
import { ACTIONS } from "./actions";
import type { RunStep, UsesStep } from "./workflows-model";

/**
 * The Terraform CLI every workflow installs: one exact version, so production never applies with whatever is newest.
 * Raise it here (and in docs/workflows.md) after the stacks pass `terraform validate` with the new one.
 */
export const TERRAFORM_VERSION = "1.11.4";

export interface CheckoutOptions {
  /** Commits to fetch; 0 fetches all history and tags. @default 1 */
  readonly fetchDepth?: number;
  /** Ref to check out. @default - the ref that triggered the workflow */
  readonly ref?: string;
  /** Token to fetch (and push) with, as an expression. @default - the GITHUB_TOKEN */
  readonly token?: string;
  /** Keep the token in the git config for later pushes. @default false */
  readonly persistCredentials?: boolean;
}

export interface ArtifactUpload {
  readonly name: string;
  /** What the artifact is, for the step name. @default - the artifact name */
  readonly description?: string;
  /** Paths, one per line. */
  readonly path: string;
  readonly retentionDays: number;
  /** Fail when nothing matches, rather than warn. @default true */
  readonly required?: boolean;
  readonly if?: string;
}

export class Steps {
  /** Checks out the repository without leaving the token in .git/config (unless a later push needs it). */
  public static checkout(options: CheckoutOptions = {}): UsesStep {
    return {
      name: "Check out the repository",
      uses: ACTIONS.checkout,
      with: clean({
        ref: options.ref,
        "fetch-depth": options.fetchDepth ?? 1,
        token: options.token,
        "persist-credentials": options.persistCredentials ?? false,
      }),
    };
  }

  /** Node.js, with npm's download cache keyed on a lock file when one is given. */
  public static setupNode(version: string, lockFile?: string): UsesStep {
    return lockFile === undefined
      ? { name: `Set up Node.js ${version}`, uses: ACTIONS.setupNode, with: { "node-version": version } }
      : {
          name: `Set up Node.js ${version} with the npm cache`,
          uses: ACTIONS.setupNode,
          with: { "node-version": version, cache: "npm", "cache-dependency-path": lockFile },
        };
  }

  /** Terraform at the pinned version, without the wrapper script, whose output rewriting breaks cdktf. */
  public static setupTerraform(): UsesStep {
    return {
      name: `Set up Terraform ${TERRAFORM_VERSION}`,
      uses: ACTIONS.setupTerraform,
      with: { terraform_version: TERRAFORM_VERSION, terraform_wrapper: false },
    };
  }

  /**
   * Node.js with no package cache at all (setup-node caches by itself unless told not to): for jobs that hold
   * deploy or release credentials, which must never restore a cache another run (a pull request's) could have written.
   */
  public static setupNodeWithoutCache(version: string): UsesStep {
    return {
      name: `Set up Node.js ${version} (no cache)`,
      uses: ACTIONS.setupNode,
      with: { "node-version": version, "package-manager-cache": false },
    };
  }

  public static uploadArtifact(upload: ArtifactUpload): UsesStep {
    return {
      name: `Upload ${upload.description ?? upload.name}`,
      if: upload.if,
      uses: ACTIONS.uploadArtifact,
      with: {
        name: upload.name,
        path: upload.path,
        "retention-days": upload.retentionDays,
        "if-no-files-found": upload.required === false ? "warn" : "error",
      },
    };
  }

  /** Downloads the artifacts of this run matching a pattern, each into its own directory under `path`. */
  public static downloadArtifacts(pattern: string, path: string): UsesStep {
    return { name: `Download the ${pattern} artifacts`, uses: ACTIONS.downloadArtifact, with: { pattern, path } };
  }

  /** Downloads the artifacts of another run (workflow_run) matching a pattern, each into its own directory: read as data, never executed. */
  public static downloadArtifactsOfRun(pattern: string, runId: string, path: string): UsesStep {
    return {
      name: `Download the ${pattern} artifacts (data only)`,
      uses: ACTIONS.downloadArtifact,
      with: { pattern, "run-id": runId, "github-token": "${{ github.token }}", path },
    };
  }

  public static setupBuildx(): UsesStep {
    return { name: "Set up Docker Buildx", uses: ACTIONS.setupBuildx };
  }

  /** Logs in to a container registry; the password only ever comes from a secret. */
  public static registryLogin(registry: string | undefined, ifCondition?: string): UsesStep {
    return {
      name: `Log in to ${registry ?? "Docker Hub"}`,
      if: ifCondition,
      uses: ACTIONS.dockerLogin,
      with: clean({
        registry,
        username: "${{ secrets.REGISTRY_USERNAME }}",
        password: "${{ secrets.REGISTRY_PASSWORD }}",
      }),
    };
  }

  /** A shell step; values reach the script only through `env`. */
  public static run(name: string, script: string, options: Omit<RunStep, "name" | "run"> = {}): RunStep {
    return { ...options, name, run: script };
  }
}

/** The registry host of an image (`registry.example:5000/team/web`), or undefined for Docker Hub. */
export function registryHost(image: string): string | undefined {
  const [first] = image.split("/");
  return image.includes("/") && (first.includes(".") || first.includes(":") || first === "localhost")
    ? first
    : undefined;
}

function clean(
  record: Record<string, string | number | boolean | undefined>,
): Record<string, string | number | boolean> {
  return Object.fromEntries(Object.entries(record).filter(([, value]) => value !== undefined)) as Record<
    string,
    string | number | boolean
  >;
}
