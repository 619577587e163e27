import type { App } from "cdktf";
import { ENVIRONMENT_NAMES } from "../config/environments";
import type { PipelineConfig } from "../config/types";
import { Artifacts } from "../constructs/artifacts";
import { PIPELINE_DIAGRAM_ARTIFACT, pipelineDiagramMarkdown } from "../constructs/diagram/pipeline-diagram";
import { EnvironmentStack } from "./environment-stack";
import { RepositoryStack } from "./repository-stack";

export interface PipelineStacks {
  readonly environments: readonly EnvironmentStack[];
  readonly repository: RepositoryStack;
}

/** Adds the whole pipeline to an app: one stack per environment, in promotion order, and the repository stack. */
export function addPipelineStacks(app: App, config: PipelineConfig): PipelineStacks {
  const environments = ENVIRONMENT_NAMES.map((environment) => new EnvironmentStack(app, { config, environment }));
  const repository = new RepositoryStack(app, { config });
  Artifacts.of(app).add(PIPELINE_DIAGRAM_ARTIFACT, pipelineDiagramMarkdown(config));
  return { environments, repository };
}
