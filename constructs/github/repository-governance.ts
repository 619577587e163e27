import { Construct } from "constructs";
import { RepositoryRuleset } from "@cdktf/provider-github/lib/repository-ruleset";

/** Someone allowed to bypass the default-branch ruleset (the identity that commits generated workflow files). */
export interface RulesetBypassActor {
  /** `RepositoryRole` (5 = admin), `Integration` (a GitHub App ID), `OrganizationAdmin`, `Team` or `DeployKey`. */
  readonly actorType: "RepositoryRole" | "Integration" | "OrganizationAdmin" | "Team" | "DeployKey";
  /** ID of the role, app or team. @default - none (OrganizationAdmin, DeployKey) */
  readonly actorId?: number;
  /** `always`, or only when merging a pull request. @default "always" */
  readonly bypassMode?: "always" | "pull_request";
}

export interface RepositoryGovernanceProps {
  /** Name of the repository (owned by the GitHub provider's owner). */
  readonly repository: string;
  /** Approvals a pull request needs before it merges. @default 1 */
  readonly requiredApprovals?: number;
  /** Status checks (CI job names) that must pass before merging. @default - none */
  readonly requiredChecks?: readonly string[];
  /** Environments a commit must have deployed to successfully before it merges. @default ["staging"] */
  readonly requiredDeploymentEnvironments?: readonly string[];
  /** Who may bypass the default-branch ruleset. @default - nobody */
  readonly bypassActors?: readonly RulesetBypassActor[];
  /** Tags protected from deletion and rewriting (release tags). @default ["v*"] */
  readonly releaseTagPatterns?: readonly string[];
}

/**
 * Repository-wide rules (SOP §3.2 pre-deployment checklist): the default branch only changes through reviewed
 * pull requests whose CI passed and which were verified on staging; nobody force-pushes or deletes it.
 */
export class RepositoryGovernance extends Construct {
  /** The ruleset on the default branch. */
  public readonly defaultBranchRuleset: RepositoryRuleset;
  /** The ruleset protecting release tags. */
  public readonly releaseTagRuleset: RepositoryRuleset;

  constructor(scope: Construct, id: string, props: RepositoryGovernanceProps) {
    super(scope, id);
    const requiredApprovals = props.requiredApprovals ?? 1;
    if (!Number.isInteger(requiredApprovals) || requiredApprovals < 1) {
      throw new Error(
        `RepositoryGovernance: requiredApprovals is ${requiredApprovals}; a pull request needs at least 1 approval`,
      );
    }
    const checks = props.requiredChecks ?? [];
    const deployments = props.requiredDeploymentEnvironments ?? ["staging"];

    this.defaultBranchRuleset = new RepositoryRuleset(this, "default-branch", {
      repository: props.repository,
      name: "default branch: reviewed, tested, verified on staging",
      target: "branch",
      enforcement: "active",
      conditions: { refName: { include: ["~DEFAULT_BRANCH"], exclude: [] } },
      bypassActors: props.bypassActors?.map((actor) => ({
        actorType: actor.actorType,
        actorId: actor.actorId,
        bypassMode: actor.bypassMode ?? "always",
      })),
      rules: {
        deletion: true,
        nonFastForward: true,
        pullRequest: {
          requiredApprovingReviewCount: requiredApprovals,
          dismissStaleReviewsOnPush: true,
          requireLastPushApproval: true,
          requiredReviewThreadResolution: true,
        },
        requiredStatusChecks:
          checks.length > 0
            ? { strictRequiredStatusChecksPolicy: true, requiredCheck: checks.map((context) => ({ context })) }
            : undefined,
        requiredDeployments: deployments.length > 0 ? { requiredDeploymentEnvironments: [...deployments] } : undefined,
      },
    });

    this.releaseTagRuleset = new RepositoryRuleset(this, "release-tags", {
      repository: props.repository,
      name: "release tags: immutable",
      target: "tag",
      enforcement: "active",
      conditions: {
        refName: {
          include: (props.releaseTagPatterns ?? ["v*"]).map((pattern) => `refs/tags/${pattern}`),
          exclude: [],
        },
      },
      rules: { deletion: true, nonFastForward: true, update: true },
    });
  }
}
