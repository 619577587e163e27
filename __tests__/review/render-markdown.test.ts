import { diffSynthesizedApps } from "../../review/plan-diff";
import type { PlanReview, SynthesizedApp } from "../../review/plan-model";
import { renderReviewMarkdown } from "../../review/render-markdown";
import { app, rule, SECRET_VARIABLE, stack, WORKFLOW_AFTER, WORKFLOW_BEFORE } from "./fixtures";

const DIAGRAM = (reviewer: string) =>
  `# Deployment pipeline\n\nGenerated.\n\n\`\`\`mermaid\nflowchart TD\n  a["approval by @${reviewer}"]\n\`\`\`\n`;

function production(options: { reviewer: string; rules: string[]; secrets: string[]; variableValue?: string }) {
  return stack({
    resource: {
      github_repository_environment: {
        env: {
          repository: "wtfb-app",
          environment: "production",
          reviewers: [{ users: [`\${data.github_user.${options.reviewer}.id}`], teams: [] }],
        },
      },
      github_actions_environment_secret: Object.fromEntries(
        options.secrets.map((name) => [
          name,
          {
            repository: "wtfb-app",
            environment: "production",
            secret_name: name,
            plaintext_value: `\${var.secret_${name.toLowerCase()}}`,
          },
        ]),
      ),
      github_actions_environment_variable: options.variableValue
        ? { old: { environment: "production", variable_name: "OLD", value: options.variableValue } }
        : {},
      grafana_rule_group: {
        rules: {
          name: "production",
          folder_uid: "f",
          interval_seconds: 60,
          rule: options.rules.map((name) => rule(name, 1)),
        },
      },
    },
    variable: Object.fromEntries(options.secrets.map((name) => [`secret_${name.toLowerCase()}`, SECRET_VARIABLE])),
  });
}

function repository(content: string) {
  return stack({
    resource: {
      github_repository_file: { deploy: { repository: "wtfb-app", file: ".github/workflows/deploy.yml", content } },
    },
  });
}

const BASE: SynthesizedApp = app(
  {
    production: production({
      reviewer: "auggie",
      rules: ["HighErrorRate", "CheckoutSlow"],
      secrets: ["DATABASE_URL"],
      variableValue: "1",
    }),
    repository: repository(WORKFLOW_BEFORE),
  },
  { "pipeline.md": DIAGRAM("auggie") },
);
const HEAD: SynthesizedApp = app(
  {
    production: production({
      reviewer: "release-captain",
      rules: ["HighErrorRate"],
      secrets: ["DATABASE_URL", "API_KEY"],
    }),
    repository: repository(WORKFLOW_AFTER),
  },
  { "pipeline.md": DIAGRAM("release-captain") },
);

function review(base: SynthesizedApp | undefined, head: SynthesizedApp, sides: Partial<PlanReview> = {}): PlanReview {
  return {
    base: { label: "HEAD~1", commit: "0123456789abcdef", synthesized: true },
    head: { label: "working tree", synthesized: true },
    ...diffSynthesizedApps(base, head),
    ...sides,
  };
}

describe("plan review Markdown", () => {
  const markdown = renderReviewMarkdown(review(BASE, HEAD));

  test("names both sides and sums up each stack in a table", () => {
    // THEN
    expect(markdown.startsWith("## Plan review: HEAD~1 (0123456) → working tree\n")).toBe(true);
    expect(markdown).toContain("| `production` | 1 | 0 | 2 | 0 | 1 | 1 |  |");
    expect(markdown).toContain("| `repository` | 0 | 0 | 1 | 0 | 0 | 0 |  |");
  });

  test("destroys and removals are flagged first, before any stack's details", () => {
    // THEN
    const attention = markdown.indexOf("### ⚠️ Needs attention");
    const firstStack = markdown.indexOf("### Stack");
    expect(attention).toBeGreaterThan(0);
    expect(attention).toBeLessThan(firstStack);
    const flagged = markdown.slice(attention, firstStack);
    expect(flagged).toContain("**destroy** `github_actions_environment_variable.old`");
    expect(flagged).toContain('**removes** `rule[name="CheckoutSlow"]` from `grafana_rule_group.rules`');
  });

  test("within a stack: destroy, then updates, then creates", () => {
    // THEN
    const stackSection = markdown.slice(
      markdown.indexOf("### Stack `production`"),
      markdown.indexOf("### Stack `repository`"),
    );
    const order = ["#### 🗑️ Destroy", "#### ✏️ Update in place", "#### ➕ Create", "#### ⚙️ Inputs and settings"].map(
      (heading) => stackSection.indexOf(heading),
    );
    expect(order.every((position) => position >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
  });

  test("the reviewer change is shown attribute by attribute", () => {
    // THEN
    expect(markdown).toContain(
      '  - `reviewers[0].users`: `["${data.github_user.auggie.id}"]` → `["${data.github_user.release-captain.id}"]`',
    );
  });

  test("the new secret is created with its value masked; no sensitive reference appears anywhere", () => {
    // THEN
    const create = markdown.slice(markdown.indexOf("#### ➕ Create"));
    expect(create).toContain("- `github_actions_environment_secret.API_KEY`");
    expect(create).toContain("  - `plaintext_value` = **(sensitive)**");
    expect(create).toContain('  - `secret_name` = `"API_KEY"`');
    expect(markdown).not.toMatch(/\$\{var\.secret_/);
    expect(markdown).toContain("supply `TF_VAR_secret_api_key` when deploying this stack");
  });

  test("the workflow change is a diff of its YAML lines, not an escaped string", () => {
    // THEN
    expect(markdown).toContain("  - `content`: YAML changed (+1 −0 lines)");
    expect(markdown).toContain("    ```diff\n    @@ -7,3 +7,4 @@\n         runs-on: ubuntu-latest\n");
    expect(markdown).toContain("\n    +      - run: npm run smoke\n");
    expect(markdown).not.toContain("\\n");
  });

  test("an alert rule added to a rule group shows its query model as JSON, not as an escaped and cut string", () => {
    // GIVEN a head that adds LatencyHigh to the group
    const added = production({
      reviewer: "auggie",
      rules: ["HighErrorRate", "CheckoutSlow", "LatencyHigh"],
      secrets: ["DATABASE_URL"],
      variableValue: "1",
    });

    // WHEN
    const text = renderReviewMarkdown(
      review(
        app({
          production: production({
            reviewer: "auggie",
            rules: ["HighErrorRate", "CheckoutSlow"],
            secrets: ["DATABASE_URL"],
            variableValue: "1",
          }),
        }),
        app({ production: added }),
      ),
    );

    // THEN the rule is listed as added, its models pretty-printed with the whole query
    expect(text).toContain('  - `rule[name="LatencyHigh"]`: added');
    expect(text).toContain('    - `name` = `"LatencyHigh"`');
    expect(text).toContain("    - `data[0].model`: JSON document (5 lines)");
    expect(text).toContain(
      '      ```json\n      {\n        "refId": "A",\n        "expr": "sum(rate(http_requests_total{alert=\\"LatencyHigh\\"}[1m]))",',
    );
    expect(text).not.toContain('`data[0].model` = `"{');
    // and, when the report must be short, only the summary line stays
    const compact = renderReviewMarkdown(
      review(
        app({
          production: production({
            reviewer: "auggie",
            rules: ["HighErrorRate"],
            secrets: ["DATABASE_URL"],
            variableValue: "1",
          }),
        }),
        app({ production: added }),
      ),
      { maxLength: 1500 },
    );
    expect(compact).toContain("    - `data[0].model`: JSON document (5 lines)");
    expect(compact).not.toContain("```json");
  });

  test("a changed pipeline diagram is included so the comment renders it", () => {
    // THEN
    const files = markdown.slice(markdown.indexOf("### Generated files"));
    expect(files).toContain("- `pipeline.md`: changed (+1 −1 lines)");
    expect(files).toContain('  ```mermaid\n  flowchart TD\n    a["approval by @release-captain"]\n  ```');
  });

  test("when the base cannot be synthesized, the reason is given and everything is labelled added", () => {
    // GIVEN
    const unavailable = review(undefined, HEAD, {
      base: {
        label: "v0.0.1",
        commit: "fedcba9876543210",
        synthesized: false,
        reason: "v0.0.1 has no cdktf.json: it predates the project",
      },
    });
    // WHEN
    const text = renderReviewMarkdown(unavailable);
    // THEN
    expect(text).toContain("> **The base v0.0.1 could not be synthesized**, so every resource below is shown as added");
    expect(text).toContain("```text\nv0.0.1 has no cdktf.json: it predates the project\n```");
    expect(text).toContain("| `production` | 0 | 0 | 0 | 0 | 4 | 5 | new stack |");
    expect(text).not.toContain("#### 🗑️ Destroy");
  });

  test("when the head cannot be synthesized, there is nothing but the reason", () => {
    // GIVEN
    const failed: PlanReview = {
      base: { label: "main", synthesized: true },
      head: {
        label: "working tree",
        synthesized: false,
        reason:
          "pipeline.config.json: 1 problem\n  ✖ environments.production.reviewers: production needs at least one reviewer",
      },
      stacks: [],
      artifacts: [],
    };
    // WHEN
    const text = renderReviewMarkdown(failed);
    // THEN
    expect(text).toContain("**working tree could not be synthesized**");
    expect(text).toContain("environments.production.reviewers: production needs at least one reviewer");
    expect(text).not.toContain("| Stack |");
  });

  test("no change at all says so", () => {
    // WHEN
    const text = renderReviewMarkdown(review(BASE, BASE));
    // THEN
    expect(text.trimEnd().endsWith("No changes.")).toBe(true);
  });

  test("a changed lookup shows what it looked up before and after", () => {
    // GIVEN
    const lookup = (slug: string) => app({ p: stack({ data: { github_team: { reviewers: { slug } } } }) });
    // WHEN
    const text = renderReviewMarkdown(review(lookup("qa"), lookup("release-managers")));
    // THEN
    expect(text).toContain(
      '#### 🔎 Lookups (data sources: read, never changed)\n\n- `data.github_team.reviewers` · `stack/reviewers`\n  - `slug`: `"qa"` → `"release-managers"`',
    );
  });

  test("a replacement that follows from another is flagged with the attribute and what it reads", () => {
    // GIVEN a container named after a generation whose triggers change, and one labelled with the generation's input
    const development = (spec: string) =>
      stack({
        resource: {
          terraform_data: { generation: { triggers_replace: { spec }, input: spec } },
          docker_container: {
            replica: { name: "web-1-${substr(terraform_data.generation.id, 0, 8)}", image: "nginx", memory: 768 },
            labelled: {
              name: "web-2",
              image: "nginx",
              labels: [{ label: "spec", value: "${terraform_data.generation.input}" }],
            },
          },
        },
      });
    // WHEN
    const text = renderReviewMarkdown(
      review(app({ development: development("a") }, {}), app({ development: development("b") }, {})),
    );
    // THEN
    expect(text).toContain(
      "- `development`: **replace** `docker_container.replica` (forced by `name` reading `terraform_data.generation.id`)",
    );
    expect(text).toContain(
      "- `development`: **may replace** `docker_container.labelled` (`labels` reading `terraform_data.generation.input`, which may change)",
    );
    expect(text).toContain(
      "  - ℹ️ replaced with `terraform_data.generation`: its `name` reads `terraform_data.generation.id`, which the replacement gives a new value",
    );
  });

  test("values with backticks stay inside their code span", () => {
    // GIVEN
    const before = app({
      p: stack({
        resource: {
          github_actions_environment_variable: { v: { environment: "p", variable_name: "A", value: "run `make`" } },
        },
      }),
    });
    const after = app({
      p: stack({
        resource: {
          github_actions_environment_variable: {
            v: { environment: "p", variable_name: "A", value: "run ``make all``" },
          },
        },
      }),
    });
    // WHEN
    const text = renderReviewMarkdown(review(before, after));
    // THEN
    expect(text).toContain('  - `value`: ``"run `make`"`` → ```"run ``make all``"```');
  });

  describe("length limit", () => {
    const large = (lines: number, changed: number) =>
      app({
        repository: repository(
          Array.from({ length: lines }, (_, i) => `key${i}: ${i % changed === 0 ? "new" : "old"}`).join("\n") + "\n",
        ),
      });
    const big = review(large(3000, 1_000_000), large(3000, 2));

    test("leaves line diffs out when the report would not fit, and says how to see them", () => {
      // WHEN
      const text = renderReviewMarkdown(big, { maxLength: 20_000, command: "npm run review -- --base main" });
      // THEN
      expect(renderReviewMarkdown(big).length).toBeGreaterThan(20_000);
      expect(text.length).toBeLessThanOrEqual(20_000);
      expect(text).not.toContain("```diff");
      expect(text).toContain(
        "YAML changed (+1499 −1499 lines) — diff left out to fit; run `npm run review -- --base main` locally to see it",
      );
    });

    test("cuts a report that still does not fit at a line, closing an open code fence", () => {
      // GIVEN
      const many = app({
        p: stack({
          resource: {
            github_actions_environment_variable: Object.fromEntries(
              Array.from({ length: 400 }, (_, i) => [
                `v${i}`,
                { environment: "p", variable_name: `V${i}`, value: "x".repeat(50) },
              ]),
            ),
          },
        }),
      });
      // WHEN
      const text = renderReviewMarkdown(review(undefined, many), { maxLength: 5_000 });
      // THEN
      expect(text.length).toBeLessThanOrEqual(5_000);
      expect(text).toContain(
        "… the details of stack p were cut here to fit; run `npm run review` locally for all of it.",
      );
      expect((text.match(/^\s*```/gm) ?? []).length % 2).toBe(0);
    });

    test("keeps every stack when it cuts: the summary first and whole, then each stack's own share, with a link to the full report", () => {
      // GIVEN: three stacks, each with far more changes than a comment holds (a 131 KB report lost whole stacks with head -c)
      const variables = (environment: string) =>
        Object.fromEntries(
          Array.from({ length: 300 }, (_, i) => [
            `v${i}`,
            { environment, variable_name: `V${i}`, value: "x".repeat(200) },
          ]),
        );
      const three = app({
        development: stack({ resource: { github_actions_environment_variable: variables("development") } }),
        staging: stack({ resource: { github_actions_environment_variable: variables("staging") } }),
        production: stack({ resource: { github_actions_environment_variable: variables("production") } }),
      });
      const everything = renderReviewMarkdown(review(undefined, three));
      expect(everything.length).toBeGreaterThan(130_000);

      // WHEN
      const text = renderReviewMarkdown(review(undefined, three), {
        maxLength: 55_000,
        command: "npm run review -- --base main",
        fullReportUrl: "https://github.com/wtfb/wtfb-app/actions/runs/7#artifacts",
      });

      // THEN
      expect(text.length).toBeLessThanOrEqual(55_000);
      const summary = text.indexOf("| `development` |");
      for (const name of ["development", "staging", "production"]) {
        expect(text.indexOf(`| \`${name}\` |`)).toBeGreaterThanOrEqual(summary);
        const heading = text.indexOf(`### Stack \`${name}\``);
        expect({ name, heading: heading > summary }).toEqual({ name, heading: true });
        expect(text).toContain(
          `… the details of stack ${name} were cut here to fit; the full report is in [the plan-review run's artifacts](https://github.com/wtfb/wtfb-app/actions/runs/7#artifacts), or run \`npm run review -- --base main\` locally.`,
        );
        // Each stack gets a fair share: at least a quarter of the comment.
        const section = text.slice(heading, text.indexOf("… the details of stack " + name));
        expect(section.length).toBeGreaterThan(55_000 / 4);
      }
      expect((text.match(/^\s*```/gm) ?? []).length % 2).toBe(0);
    });
  });
});

describe("plan review Markdown of moved state", () => {
  test("lists moves in a section of their own, counted apart, and asks no attention for them", () => {
    // GIVEN a volume whose state a moved block takes from a resource to an instance of a for_each resource
    const before = stack({
      resource: {
        docker_volume: {
          web_backups_1A2B3C4D: { name: "web-production-backups", lifecycle: { prevent_destroy: true } },
        },
      },
    });
    const after = {
      ...stack({
        resource: {
          docker_volume: {
            backups: {
              for_each: { web: { name: "web-production-backups" } },
              name: "${each.value.name}",
              lifecycle: { prevent_destroy: true },
            },
          },
        },
      }),
      moved: [{ from: "docker_volume.web_backups_1A2B3C4D", to: 'docker_volume.backups["web"]' }],
    };
    // WHEN
    const text = renderReviewMarkdown(review(app({ production: before }), app({ production: after })));
    // THEN
    expect(text).toContain("| `production` | 0 | 0 | 0 | 1 | 0 | 0 |  |");
    expect(text).toContain(
      '#### 🚚 Move (state only, nothing changes)\n\n- `docker_volume.backups["web"]` · `stack/backups`\n  - ℹ️ state moves from `docker_volume.web_backups_1A2B3C4D` (a `moved` block)',
    );
    expect(text).not.toContain("Needs attention");
    expect(text).not.toContain("destroy");
  });
});
