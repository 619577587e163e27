/** Hand-made synthesized stacks (Terraform JSON as cdktf writes it) for the plan-review tests. */
import type { StackJson, SynthesizedApp } from "../../review/plan-model";

type Resources = Record<string, Record<string, Record<string, unknown>>>;

/** A stack with cdktf's metadata on every block, as `cdk.tf.json` has it. */
export function stack(parts: {
  resource?: Resources;
  data?: Resources;
  variable?: Record<string, unknown>;
  backend?: Record<string, unknown>;
}): StackJson {
  const withMetadata = (blocks: Resources | undefined) =>
    blocks &&
    Object.fromEntries(
      Object.entries(blocks).map(([type, instances]) => [
        type,
        Object.fromEntries(
          Object.entries(instances).map(([name, body]) => [
            name,
            { "//": { metadata: { path: `stack/${name}`, uniqueId: name } }, ...body },
          ]),
        ),
      ]),
    );
  return {
    "//": { metadata: { backend: "local", stackName: "stack", version: "0.21.0" }, outputs: {} },
    ...(parts.data ? { data: withMetadata(parts.data) } : {}),
    provider: { github: [{ owner: "wtfb" }] },
    ...(parts.resource ? { resource: withMetadata(parts.resource) } : {}),
    terraform: {
      backend: parts.backend ?? { local: { path: "../../../terraform.stack.tfstate" } },
      required_providers: { github: { source: "integrations/github", version: "6.9.0" } },
    },
    ...(parts.variable ? { variable: parts.variable } : {}),
  };
}

export function app(stacks: Record<string, StackJson>, artifacts: Record<string, string> = {}): SynthesizedApp {
  return { stacks, artifacts };
}

export const SECRET_VARIABLE = {
  type: "string",
  sensitive: true,
  nullable: false,
  description: "Value of secret DATABASE_URL.",
};

/** A Grafana-managed rule as the monitoring constructs render it: query → reduce → threshold. */
export function rule(name: string, threshold: number): Record<string, unknown> {
  return {
    name,
    condition: "C",
    for: "5m",
    labels: { action: "rollback", severity: "critical" },
    data: [
      {
        ref_id: "A",
        datasource_uid: "prometheus",
        model: JSON.stringify({
          refId: "A",
          expr: `sum(rate(http_requests_total{alert="${name}"}[1m]))`,
          instant: true,
        }),
      },
      {
        ref_id: "C",
        datasource_uid: "__expr__",
        model: JSON.stringify({
          refId: "C",
          type: "threshold",
          conditions: [{ evaluator: { type: "gt", params: [threshold] } }],
        }),
      },
    ],
  };
}

export const WORKFLOW_BEFORE = [
  "name: deploy",
  "on:",
  "  push:",
  "    branches: [main]",
  "jobs:",
  "  deploy:",
  "    runs-on: ubuntu-latest",
  "    steps:",
  "      - run: npm test",
  "",
].join("\n");
export const WORKFLOW_AFTER = WORKFLOW_BEFORE.replace(
  "      - run: npm test",
  "      - run: npm test\n      - run: npm run smoke",
);
