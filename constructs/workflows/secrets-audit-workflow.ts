/**
 * Secrets audit (SOP §1.2 "audit sensitive configuration regularly"): on a schedule, lists every environment and
 * repository secret with its last update, flags those older than the configured age, the ones the config declares
 * but nobody set, and the pipeline secrets the deploy workflows read that are set nowhere; writes a job summary and
 * fails when anything is flagged. Names and dates only: the API never returns a value.
 */
import { ENVIRONMENT_NAMES } from "../../config/environments";
import type { PipelineConfig } from "../../config/types";
import { deployWorkflow } from "./deploy-workflow";
import { PIPELINE_SECRETS, referencedSecrets, secretExpression } from "./pipeline-secrets";
import { Steps } from "./steps";
import type { Workflow } from "./workflows-model";
import { workflowScript } from "./scripts";

export const SECRETS_AUDIT_WORKFLOW_FILE = "secrets-audit.yml";

export function secretsAuditWorkflow(config: PipelineConfig): Workflow {
  const expectations = Object.fromEntries(
    ENVIRONMENT_NAMES.flatMap((environment) => {
      const declared = config.environments[environment].secrets.map((secret) => secret.name);
      const pipeline = referencedSecrets(deployWorkflow(config, environment)).filter(
        (name) => !declared.includes(name),
      );
      return [
        [`DECLARED_${environment.toUpperCase()}`, declared.join(" ")],
        [`PIPELINE_${environment.toUpperCase()}`, pipeline.join(" ")],
      ];
    }),
  );
  return {
    fileName: SECRETS_AUDIT_WORKFLOW_FILE,
    name: "Secrets audit",
    on: { schedule: [{ cron: config.workflows.secretsAuditCron }], workflowDispatch: {} },
    permissions: {},
    defaultShell: "bash",
    jobs: {
      audit: {
        name: "Audit the secrets",
        runsOn: config.workflows.runsOn,
        // Listing secrets needs a read-only token of its own; the job's own token gets nothing.
        permissions: {},
        timeoutMinutes: 10,
        steps: [
          Steps.run(
            `Flag secrets older than ${config.workflows.secretMaxAgeDays} days and declared secrets that are missing`,
            workflowScript("secrets-audit.sh"),
            {
              env: {
                GH_TOKEN: secretExpression(PIPELINE_SECRETS.secretsAuditToken),
                REPOSITORY: "${{ github.repository }}",
                MAX_AGE_DAYS: String(config.workflows.secretMaxAgeDays),
                ENVIRONMENTS: ENVIRONMENT_NAMES.join(" "),
                ...expectations,
              },
            },
          ),
        ],
      },
    },
  };
}
