import type { App } from "cdktf";
import { ENVIRONMENT_NAMES } from "../config/environments";
import type { PipelineConfig } from "../config/types";
import { EnvironmentStack } from "./environment-stack";
import { RepositoryStack } from "./repository-stack";
import { pipelineStackName } from "./names";

export interface PipelineStacksOptions {
  /**
   * Prefix of the pipeline's stack names and of its artifact directory, so that several pipelines share one app:
   * with "team-b" the stacks are `team-b-development`, `team-b-staging`, `team-b-production` and
   * `team-b-repository`, and their files (workflows, alert rules, proxy files, pipeline.md) go under
   * `cdktf.out/team-b/`.
   * @default - none: the stacks are named after the environments and `repository`, and their files go in the output
   * directory itself (one such pipeline per app)
   */
  readonly prefix?: string;
}

export interface PipelineStacks {
  readonly environments: readonly EnvironmentStack[];
  readonly repository: RepositoryStack;
}

/**
 * Adds the whole pipeline to an app: one stack per environment, in promotion order, and the repository stack. The
 * app's own `synth()` writes the stacks and the pipeline's files (workflows, alert rules, proxy files, pipeline.md).
 */
export function addPipelineStacks(
  app: App,
  config: PipelineConfig,
  options: PipelineStacksOptions = {},
): PipelineStacks {
  const { prefix } = options;
  for (const name of [...ENVIRONMENT_NAMES, "repository"]) {
    const id = pipelineStackName(prefix, name);
    if (app.node.tryFindChild(id) !== undefined) {
      throw new Error(
        `the app already has a stack named ${id} — fix: give each pipeline in one app its own prefix (addPipelineStacks(app, config, { prefix: "team-b" }))`,
      );
    }
  }
  // A loop, not map(): two stack frames less in each of the stack traces cdktf captures while building the stacks.
  const environments: EnvironmentStack[] = [];
  for (const environment of ENVIRONMENT_NAMES) {
    environments.push(new EnvironmentStack(app, { config, environment, prefix }));
  }
  const repository = new RepositoryStack(app, { config, prefix });
  return { environments, repository };
}
