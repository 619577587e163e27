import { Construct } from "constructs";
import { TerraformStack, TerraformVariable } from "cdktf";
import { ContactPoint } from "../../gen/providers/grafana/contact-point";
import { MessageTemplate } from "../../gen/providers/grafana/message-template";
import { NotificationPolicy } from "../../gen/providers/grafana/notification-policy";
import type { StakeholderContact } from "../../config/monitoring-schema";
import { ROLLBACK_DISPATCH_TOKEN_VARIABLE } from "../contract";
import { messageTemplateName, rollbackContactPointName, stakeholderContactPointName } from "./names";

export interface AlertRoutingProps {
  /** The environment whose alerts are routed. */
  readonly environment: string;
  /** Owner of the application repository the rollback workflow runs in. */
  readonly repositoryOwner: string;
  /** Name of the application repository. */
  readonly repositoryName: string;
  /** GitHub API base URL. @default "https://api.github.com" */
  readonly githubApiUrl?: string;
  /** The rollback workflow's file, whose dispatch endpoint the webhook calls. @default "rollback.yml" */
  readonly rollbackWorkflowFile?: string;
  /** Branch the rollback workflow is dispatched on: the default branch. @default "main" */
  readonly dispatchRef?: string;
  /** Who hears about every alert (email addresses or a Slack webhook held in a sensitive variable). */
  readonly stakeholders: StakeholderContact;
  /** Grafana organization. @default - the organization of the provider's credentials */
  readonly orgId?: string;
}

/**
 * Where alerts go (SOP §5.1, §5.2): a webhook contact point that dispatches the rollback workflow (its own
 * `workflow_dispatch` endpoint: the token needs Actions write only, never Contents) so a firing `action=rollback`
 * alert starts it, with this environment fixed in the contact point (never taken from alert labels) and the version
 * the alert saw; a stakeholder contact point; a notification policy
 * routing by `action` and `severity`; and the message template (environment, version, dashboard link).
 */
export class AlertRouting extends Construct {
  /** Title, message and rollback-dispatch templates. */
  public readonly messageTemplate: MessageTemplate;
  /** The webhook that starts the rollback workflow. */
  public readonly rollbackContactPoint: ContactPoint;
  /** Email or Slack to the stakeholders. */
  public readonly stakeholderContactPoint: ContactPoint;
  /** The organization's routing tree. */
  public readonly notificationPolicy: NotificationPolicy;

  constructor(scope: Construct, id: string, props: AlertRoutingProps) {
    super(scope, id);
    const { environment } = props;
    const templates = messageTemplateName(environment);
    const stack = TerraformStack.of(this);

    this.messageTemplate = new MessageTemplate(this, "message-template", {
      name: templates,
      template: messageTemplates(templates),
      orgId: props.orgId,
    });

    // Variables live at stack level so their names are exactly what TF_VAR_ expects.
    const token = new TerraformVariable(stack, ROLLBACK_DISPATCH_TOKEN_VARIABLE, {
      type: "string",
      sensitive: true,
      nullable: false,
      description: `GitHub token Grafana dispatches the rollback workflow with when a rollback alert fires in ${environment} (fine-grained: Actions read and write on ${props.repositoryOwner}/${props.repositoryName}, nothing else). Supply as TF_VAR_${ROLLBACK_DISPATCH_TOKEN_VARIABLE}.`,
    });
    this.rollbackContactPoint = new ContactPoint(this, "rollback", {
      name: rollbackContactPointName(environment),
      orgId: props.orgId,
      webhook: [
        {
          url: `${(props.githubApiUrl ?? "https://api.github.com").replace(/\/+$/, "")}/repos/${props.repositoryOwner}/${props.repositoryName}/actions/workflows/${props.rollbackWorkflowFile ?? "rollback.yml"}/dispatches`,
          httpMethod: "POST",
          authorizationScheme: "Bearer",
          authorizationCredentials: token.stringValue,
          headers: { Accept: "application/vnd.github+json", "X-GitHub-Api-Version": "2022-11-28" },
          // A resolved alert must not start a second rollback.
          disableResolveMessage: true,
          // The environment is this contact point's, whatever the alert's labels say.
          payload: {
            template: `{{ template "${templates}.rollback-dispatch" . }}`,
            vars: { ref: props.dispatchRef ?? "main", environment },
          },
        },
      ],
      dependsOn: [this.messageTemplate],
    });

    this.stakeholderContactPoint = new ContactPoint(this, "stakeholders", {
      name: stakeholderContactPointName(environment),
      orgId: props.orgId,
      ...stakeholderIntegration(props.stakeholders, stack, templates, environment),
      dependsOn: [this.messageTemplate],
    });

    const groupBy = ["alertname", "environment", "application"];
    this.notificationPolicy = new NotificationPolicy(this, "notification-policy", {
      orgId: props.orgId,
      contactPoint: this.stakeholderContactPoint.name,
      groupBy,
      groupWait: "30s",
      groupInterval: "5m",
      repeatInterval: "4h",
      policy: [
        {
          // Grafana's own error and no-data alerts carry the rule's labels; they must never start a rollback.
          matcher: [
            { label: "action", match: "=", value: "rollback" },
            { label: "alertname", match: "!~", value: "DatasourceError|DatasourceNoData" },
          ],
          contactPoint: this.rollbackContactPoint.name,
          groupBy,
          groupWait: "0s",
          groupInterval: "1m",
          repeatInterval: "6h",
          // Stakeholders hear about the rollback too (SOP §5.2), through the severity routes below.
          continue: true,
        },
        {
          matcher: [{ label: "severity", match: "=", value: "critical" }],
          contactPoint: this.stakeholderContactPoint.name,
          groupBy,
          groupWait: "30s",
          repeatInterval: "1h",
        },
        {
          matcher: [{ label: "severity", match: "=", value: "warning" }],
          contactPoint: this.stakeholderContactPoint.name,
          groupBy,
          groupWait: "2m",
          groupInterval: "10m",
          repeatInterval: "12h",
        },
      ],
    });
  }
}

function stakeholderIntegration(
  stakeholders: StakeholderContact,
  stack: TerraformStack,
  templates: string,
  environment: string,
) {
  const title = `{{ template "${templates}.title" . }}`;
  const message = `{{ template "${templates}.message" . }}`;
  if (stakeholders.type === "email") {
    return { email: [{ addresses: [...stakeholders.addresses], singleEmail: true, subject: title, message }] };
  }
  const variableName = stakeholders.webhookUrlSecret.toLowerCase();
  const url = new TerraformVariable(stack, variableName, {
    type: "string",
    sensitive: true,
    nullable: false,
    description: `Slack incoming-webhook URL the ${environment} alerts are posted to. Supply as TF_VAR_${variableName}.`,
  });
  return { slack: [{ url: url.stringValue, recipient: stakeholders.channel, title, text: message }] };
}

/**
 * The message template group: title and message for people, and the rollback workflow's dispatch body (`ref` and
 * `inputs`; `data.ToJSON` escapes the values, so a summary with quotes still gives valid JSON).
 */
export function messageTemplates(prefix: string): string {
  return [
    `{{ define "${prefix}.title" }}[{{ .Status | toUpper }}] {{ .CommonLabels.alertname }} · {{ .CommonLabels.environment }}{{ end }}`,
    "",
    `{{ define "${prefix}.message" }}{{ range .Alerts }}{{ .Status | toUpper }}: {{ .Labels.alertname }}`,
    `Environment: {{ .Labels.environment }}`,
    `Application: {{ or .Labels.application "-" }}`,
    `Version: {{ or .Labels.version "unknown" }}`,
    `Action: {{ if eq .Labels.action "rollback" }}automatic rollback to the known-good version{{ else }}investigate{{ end }}`,
    `{{ .Annotations.summary }}`,
    `{{ .Annotations.description }}`,
    `Dashboard: {{ .Annotations.dashboard }}`,
    `{{ end }}{{ end }}`,
    "",
    `{{ define "${prefix}.rollback-dispatch" }}{{ coll.Dict "ref" .Vars.ref "inputs" (coll.Dict "environment" .Vars.environment "application" (or .CommonLabels.application "all") "seen-version" (or .CommonLabels.version "") "alertname" .CommonLabels.alertname "reason" (or .CommonAnnotations.summary .CommonLabels.alertname)) | data.ToJSON }}{{ end }}`,
    "",
  ].join("\n");
}
