import type { Construct } from "constructs";
import { TerraformStack } from "cdktf";
import { GithubProvider } from "@cdktf/provider-github/lib/provider";
import type { PipelineConfig } from "../config/types";
import { ciRequiredChecks } from "../constructs/workflows/ci-workflow";
import { PipelineWorkflows, pipelineWorkflows } from "../constructs/workflows/pipeline-workflows";
import { RepositoryGovernance, type RulesetBypassActor } from "../constructs/github/repository-governance";
import { Artifacts } from "../constructs/artifacts";
import { PIPELINE_DIAGRAM_ARTIFACT, pipelineDiagramMarkdown } from "../constructs/diagram/pipeline-diagram";
import { configureBackend } from "./backend";
import { pinProviderVersions } from "./provider-versions";
import { pipelineStackName } from "./names";

/** Name of the stack that owns repository-wide resources (prefixed like every stack of a prefixed pipeline). */
export const REPOSITORY_STACK_NAME = "repository";

export interface RepositoryStackProps {
  /** The resolved pipeline config. */
  readonly config: PipelineConfig;
  /**
   * Prefix of the stack's name and of its artifact directory, so that several pipelines share one app: with
   * "team-b" the stack is `team-b-repository` and its files go under `cdktf.out/team-b/`.
   * @default - none: the stack is `repository` and its files go in the output directory itself
   */
  readonly prefix?: string;
}

/**
 * Repository-wide resources, owned here and nowhere else: the rulesets and the workflow files (and, as files beside
 * the stacks, the workflows and the pipeline diagram).
 * Environment stacks never manage these, so no two stacks fight over one Terraform object.
 */
export class RepositoryStack extends TerraformStack {
  public readonly governance: RepositoryGovernance;
  public readonly workflows: PipelineWorkflows;

  constructor(scope: Construct, props: RepositoryStackProps) {
    const name = pipelineStackName(props.prefix, REPOSITORY_STACK_NAME);
    super(scope, name);
    Artifacts.useDirectory(this, props.prefix ?? "");
    const { config } = props;
    configureBackend(this, name, config.repository.backend ?? { type: "local" });
    new GithubProvider(this, "github", { owner: config.repository.owner });
    pinProviderVersions(this);

    this.governance = new RepositoryGovernance(this, "governance", {
      repository: config.repository.name,
      requiredApprovals: config.repository.requiredApprovals,
      requiredChecks: ciRequiredChecks(config),
      requiredDeploymentEnvironments: ["staging"],
      releaseTagPatterns: config.environments.production.tags,
      bypassActors: bypassActors(config.repository.rulesetBypass),
    });

    this.workflows = new PipelineWorkflows(this, "workflows", {
      repository: config.repository.name,
      branch: config.repository.defaultBranch,
      workflows: pipelineWorkflows(config),
    });
    Artifacts.of(this).add(PIPELINE_DIAGRAM_ARTIFACT, pipelineDiagramMarkdown(config));
  }
}

/** GitHub's built-in repository role id of "admin". */
const REPOSITORY_ADMIN_ROLE_ID = 5;

function bypassActors(bypass: PipelineConfig["repository"]["rulesetBypass"]): RulesetBypassActor[] {
  switch (bypass.type) {
    case "repository-admins":
      return [{ actorType: "RepositoryRole", actorId: REPOSITORY_ADMIN_ROLE_ID, bypassMode: "always" }];
    case "github-app":
      return [{ actorType: "Integration", actorId: bypass.appId, bypassMode: "always" }];
    case "none":
      return [];
  }
}
