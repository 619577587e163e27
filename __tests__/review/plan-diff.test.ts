import { diffStack, diffSynthesizedApps, diffValues } from "../../review/plan-diff";
import type { AttributeChange, BlockChange } from "../../review/plan-model";
import { Sensitive } from "../../review/sensitive";
import { app, rule, SECRET_VARIABLE, stack, WORKFLOW_AFTER, WORKFLOW_BEFORE } from "./fixtures";

function change(changes: readonly BlockChange[], address: string): BlockChange {
  const found = changes.find((c) => c.address === address);
  if (!found) throw new Error(`no change for ${address}; changes: ${changes.map((c) => c.address).join(", ")}`);
  return found;
}

function attribute(block: BlockChange, path: string): AttributeChange {
  const found = block.attributes.find((a) => a.path === path);
  if (!found) throw new Error(`no attribute ${path}; attributes: ${block.attributes.map((a) => a.path).join(", ")}`);
  return found;
}

const environment = (name: string, users: string[]) => ({
  github_repository_environment: {
    env: { repository: "wtfb-app", environment: name, reviewers: [{ users, teams: [] }], wait_timer: 5 },
  },
});

describe("plan diff: resources", () => {
  test("a changed reviewer is an in-place update listed attribute by attribute", () => {
    // GIVEN
    const before = stack({ resource: environment("production", ["${data.github_user.auggie.id}"]) });
    const after = stack({ resource: environment("production", ["${data.github_user.release-captain.id}"]) });
    // WHEN
    const review = diffStack("production", before, after);
    // THEN
    const update = change(review.changes, "github_repository_environment.env");
    expect(update).toMatchObject({ kind: "resource", action: "update", constructPath: "stack/env" });
    expect(update.attributes).toEqual([
      {
        path: "reviewers[0].users",
        before: ["${data.github_user.auggie.id}"],
        after: ["${data.github_user.release-captain.id}"],
        replacement: "in-place",
      },
    ]);
    expect(review.status).toBe("changed");
  });

  test("changing an attribute the provider cannot update replaces the resource, and names that attribute", () => {
    // GIVEN
    const before = stack({ resource: environment("production", []) });
    const after = stack({ resource: environment("prod", []) });
    // WHEN
    const update = change(diffStack("s", before, after).changes, "github_repository_environment.env");
    // THEN
    expect(update.action).toBe("replace");
    expect(attribute(update, "environment")).toMatchObject({
      before: "production",
      after: "prod",
      replacement: "replaces",
    });
  });

  test.each([
    [
      "docker_container",
      { name: "web-production-1", image: "ghcr.io/wtfb/web:1.0.0", memory: 512 },
      { image: "ghcr.io/wtfb/web:1.1.0" },
      "replace",
    ],
    [
      "docker_container",
      { name: "web-production-1", image: "ghcr.io/wtfb/web:1.0.0", memory: 512 },
      { memory: 768 },
      "update",
    ],
    // kreuzwerker/docker 4.6.0: a changed health check updates the state in place; an added one replaces the container.
    [
      "docker_container",
      { name: "web-production-1", healthcheck: [{ test: ["CMD", "true"], retries: 3 }] },
      { healthcheck: [{ test: ["CMD", "true"], retries: 5 }] },
      "update",
    ],
    [
      "docker_container",
      { name: "web-production-1" },
      { healthcheck: [{ test: ["CMD", "true"], retries: 5 }] },
      "replace",
    ],
    ["docker_container", { name: "web-production-1", init: false }, { init: true }, "may-replace"],
    [
      "github_repository_environment_deployment_policy",
      { environment: "production", branch_pattern: "main" },
      { branch_pattern: "release/*" },
      "update",
    ],
    [
      "github_repository_environment_deployment_policy",
      { environment: "production", branch_pattern: "main" },
      { branch_pattern: undefined, tag_pattern: "v*" },
      "replace",
    ],
    [
      "grafana_dashboard",
      { config_json: JSON.stringify({ uid: "web", title: "Web" }) },
      { config_json: JSON.stringify({ uid: "web", title: "Web service" }) },
      "update",
    ],
    [
      "grafana_dashboard",
      { config_json: JSON.stringify({ uid: "web", title: "Web" }) },
      { config_json: JSON.stringify({ uid: "web-2", title: "Web" }) },
      "replace",
    ],
    [
      "grafana_rule_group",
      { name: "production", folder_uid: "a", interval_seconds: 60 },
      { interval_seconds: 30 },
      "update",
    ],
    [
      "grafana_rule_group",
      { name: "production", folder_uid: "a", interval_seconds: 60 },
      { folder_uid: "b" },
      "replace",
    ],
    ["some_unknown_resource", { size: 1 }, { size: 2 }, "may-replace"],
  ])("%s: %j changed by %j is %s", (type, body, edit, expected) => {
    // GIVEN
    const before = stack({ resource: { [type]: { r: body } } });
    const after = stack({ resource: { [type]: { r: JSON.parse(JSON.stringify({ ...body, ...edit })) } } });
    // WHEN
    const update = change(diffStack("s", before, after).changes, `${type}.r`);
    // THEN
    expect(update.action).toBe(expected);
  });

  test("removing one alert rule of three shows that rule removed, not the later rules shifted", () => {
    // GIVEN
    const group = (rules: unknown[]) =>
      stack({
        resource: {
          grafana_rule_group: { rules: { name: "production", folder_uid: "f", interval_seconds: 60, rule: rules } },
        },
      });
    const before = group([rule("HighErrorRate", 1), rule("CheckoutSlow", 2), rule("HighLatency", 0.5)]);
    const after = group([rule("HighErrorRate", 1), rule("HighLatency", 0.5)]);
    // WHEN
    const update = change(diffStack("production", before, after).changes, "grafana_rule_group.rules");
    // THEN
    expect(update.action).toBe("update");
    expect(update.attributes).toHaveLength(1);
    expect(update.attributes[0].path).toBe('rule[name="CheckoutSlow"]');
    expect(update.attributes[0].after).toBeUndefined();
    expect(update.attributes[0].before).toMatchObject({ name: "CheckoutSlow", for: "5m" });
  });

  test("a threshold change inside a rule's JSON model is a readable JSON diff, not an escaped string", () => {
    // GIVEN
    const group = (threshold: number) =>
      stack({
        resource: {
          grafana_rule_group: {
            rules: { name: "p", folder_uid: "f", interval_seconds: 60, rule: [rule("HighErrorRate", threshold)] },
          },
        },
      });
    // WHEN
    const update = change(diffStack("p", group(1), group(2)).changes, "grafana_rule_group.rules");
    // THEN
    const model = attribute(update, 'rule[name="HighErrorRate"].data[ref_id="C"].model');
    expect(model.document?.language).toBe("json");
    expect(model.document?.diff.text.split("\n")).toEqual(expect.arrayContaining(["-          1", "+          2"]));
    expect(model.document?.diff.text).not.toContain('\\"');
  });

  test("a workflow file's YAML change is a unified diff of its lines", () => {
    // GIVEN
    const file = (content: string) =>
      stack({
        resource: {
          github_repository_file: { deploy: { repository: "wtfb-app", file: ".github/workflows/deploy.yml", content } },
        },
      });
    // WHEN
    const update = change(
      diffStack("repository", file(WORKFLOW_BEFORE), file(WORKFLOW_AFTER)).changes,
      "github_repository_file.deploy",
    );
    // THEN
    expect(update.action).toBe("update");
    const content = attribute(update, "content");
    expect(content.document).toMatchObject({ language: "yaml", diff: { addedLines: 1, removedLines: 0 } });
    expect(content.document?.diff.text).toBe(
      [
        "@@ -7,3 +7,4 @@",
        "     runs-on: ubuntu-latest",
        "     steps:",
        "       - run: npm test",
        "+      - run: npm run smoke",
      ].join("\n"),
    );
  });

  test("a document shows as the file will read: Terraform's $${ escape undone, interpolations kept", () => {
    // GIVEN
    const file = (content: string) =>
      stack({
        resource: { github_repository_file: { deploy: { repository: "wtfb-app", file: "deploy.yml", content } } },
      });
    const before = "env:\n  A: 1\n";
    const after = "env:\n  A: 1\n  TOKEN: $${{ secrets.TOKEN }}\n  OWNER: ${var.owner}\n";
    // WHEN
    const content = attribute(
      change(diffStack("r", file(before), file(after)).changes, "github_repository_file.deploy"),
      "content",
    );
    // THEN
    expect(content.document?.diff.text).toBe(
      "@@ -1,2 +1,4 @@\n env:\n   A: 1\n+  TOKEN: ${{ secrets.TOKEN }}\n+  OWNER: ${var.owner}",
    );
  });

  test("changes are ordered for review: destroys, replacements, updates that remove something, updates, creates", () => {
    // GIVEN
    const before = stack({
      resource: {
        github_actions_environment_variable: {
          gone: { environment: "p", variable_name: "OLD", value: "1" },
          renamed: { environment: "p", variable_name: "A", value: "1" },
          edited: { environment: "p", variable_name: "B", value: "1" },
        },
        grafana_rule_group: {
          rules: { name: "p", folder_uid: "f", interval_seconds: 60, rule: [rule("A", 1), rule("B", 1)] },
        },
      },
    });
    const after = stack({
      resource: {
        github_actions_environment_variable: {
          renamed: { environment: "p", variable_name: "A2", value: "1" },
          edited: { environment: "p", variable_name: "B", value: "2" },
          added: { environment: "p", variable_name: "C", value: "1" },
        },
        grafana_rule_group: { rules: { name: "p", folder_uid: "f", interval_seconds: 60, rule: [rule("A", 1)] } },
      },
    });
    // WHEN
    const review = diffStack("p", before, after);
    // THEN
    expect(review.changes.filter((c) => c.kind === "resource").map((c) => `${c.action} ${c.address}`)).toEqual([
      "destroy github_actions_environment_variable.gone",
      "replace github_actions_environment_variable.renamed",
      "update grafana_rule_group.rules",
      "update github_actions_environment_variable.edited",
      "create github_actions_environment_variable.added",
    ]);
  });
});

describe("plan diff: replacements that follow from others", () => {
  /** A rolling release as the runtime synthesizes it: containers named after a generation that new triggers replace. */
  const release = (spec: string, memory: number) =>
    stack({
      resource: {
        terraform_data: { generation: { triggers_replace: { spec } }, other: { input: spec } },
        docker_container: {
          // memory alone would be an in-place update; the name reads the generation's id
          replica: {
            name: "web-1-${substr(terraform_data.generation.id, 0, 8)}",
            image: "nginx",
            memory,
            depends_on: ["terraform_data.other"],
          },
          // unchanged, but labelled with the generation's input
          labelled: {
            name: "web-2",
            image: "nginx",
            labels: [{ label: "spec", value: "${terraform_data.generation.input}" }],
          },
          // reads the generation only in depends_on, which never replaces
          ordered: { name: "web-proxy", image: "nginx", depends_on: ["terraform_data.generation"] },
        },
      },
    });

  test("a container named after a replaced generation is replaced, not updated in place, and says why", () => {
    // WHEN the generation's triggers change and the replica's memory grows
    const review = diffStack("development", release("a", 768), release("b", 1024));
    // THEN
    expect(change(review.changes, "terraform_data.generation").action).toBe("replace");
    const replica = change(review.changes, "docker_container.replica");
    expect(replica.action).toBe("replace");
    expect(replica.replacedWith).toEqual([
      { attribute: "name", resource: "terraform_data.generation", reads: "id", certain: true },
    ]);
    expect(attribute(replica, "memory")).toMatchObject({ before: 768, after: 1024, replacement: "in-place" });
    expect(replica.notes).toEqual([
      "replaced with `terraform_data.generation`: its `name` reads `terraform_data.generation.id`, which the replacement gives a new value",
    ]);
  });

  test("an unchanged resource reading another attribute of a replaced one may be replaced; depends_on alone changes nothing", () => {
    // WHEN
    const review = diffStack("development", release("a", 768), release("b", 768));
    // THEN
    const labelled = change(review.changes, "docker_container.labelled");
    expect(labelled).toMatchObject({
      action: "may-replace",
      attributes: [],
      replacedWith: [{ attribute: "labels", resource: "terraform_data.generation", reads: "input", certain: false }],
    });
    expect(review.changes.map((c) => c.address)).not.toContain("docker_container.ordered");
    expect(review.changes.map((c) => `${c.action} ${c.address}`)).toEqual([
      "replace docker_container.replica",
      "replace terraform_data.generation",
      "may-replace docker_container.labelled",
      "update terraform_data.other",
    ]);
  });

  test("nothing follows when the generation is kept", () => {
    const review = diffStack("development", release("a", 768), release("a", 1024));
    expect(review.changes.map((c) => `${c.action} ${c.address}`)).toEqual(["update docker_container.replica"]);
  });
});

describe("plan diff: sensitive values", () => {
  test("a new secret is listed with its value masked, and its sensitive variable as a new input", () => {
    // GIVEN
    const before = stack({ resource: {}, variable: {} });
    const after = stack({
      resource: {
        github_actions_environment_secret: {
          api: {
            repository: "wtfb-app",
            environment: "production",
            secret_name: "API_KEY",
            plaintext_value: "${var.secret_api_key}",
          },
        },
      },
      variable: { secret_api_key: SECRET_VARIABLE },
    });
    // WHEN
    const review = diffStack("production", before, after);
    // THEN
    const secret = change(review.changes, "github_actions_environment_secret.api");
    expect(secret.action).toBe("create");
    expect(attribute(secret, "plaintext_value").after).toBeInstanceOf(Sensitive);
    expect(attribute(secret, "secret_name").after).toBe("API_KEY");
    const variable = change(review.changes, "var.secret_api_key");
    expect(variable).toMatchObject({ kind: "variable", action: "create" });
    expect(variable.notes).toEqual([
      "new input without a default: supply `TF_VAR_secret_api_key` when deploying this stack",
    ]);
  });

  test("a literal credential in a provider-sensitive attribute is masked, never carried into the review", () => {
    // GIVEN
    const after = stack({
      resource: {
        github_actions_environment_secret: {
          s: { environment: "p", secret_name: "X", plaintext_value: "hunter2-literal" },
        },
      },
    });
    // WHEN
    const review = diffStack("p", stack({ resource: {} }), after);
    // THEN the secret is in the review, its value masked
    const secret = change(review.changes, "github_actions_environment_secret.s");
    expect(secret).toMatchObject({ kind: "resource", action: "create" });
    expect(attribute(secret, "plaintext_value").after).toBeInstanceOf(Sensitive);
    expect(JSON.stringify(review)).not.toContain("hunter2-literal");
  });

  test("an interpolation reading a sensitive variable is masked inside a larger value, keeping the rest readable", () => {
    // GIVEN
    const container = (variable: string) =>
      stack({
        resource: {
          docker_container: {
            web: {
              name: "web-production-1",
              memory: 512,
              env: ["NODE_ENV=production", `DATABASE_URL=\${var.${variable}}`],
            },
          },
        },
        variable: { secret_database_url: SECRET_VARIABLE, secret_replica_url: SECRET_VARIABLE },
      });
    // WHEN
    const update = change(
      diffStack("p", container("secret_database_url"), container("secret_replica_url")).changes,
      "docker_container.web",
    );
    // THEN the change shows (the reference behind it differs), but neither reference does
    const env = attribute(update, "env");
    expect(JSON.stringify(env.before)).toBe('["NODE_ENV=production","DATABASE_URL=(sensitive)"]');
    expect(JSON.stringify(env.after)).toBe('["NODE_ENV=production","DATABASE_URL=(sensitive)"]');
    expect(update.action).toBe("replace");
  });

  test("attributes a provider declares sensitive, and credential-named ones, are masked wherever they sit", () => {
    // GIVEN
    const after = stack({
      resource: {
        grafana_contact_point: {
          stakeholders: {
            name: "stakeholders",
            slack: [{ url: "https://hooks.slack.example/T000/B000/XXXX", recipient: "#releases" }],
          },
        },
      },
    });
    const withProvider = {
      ...after,
      provider: { grafana: [{ url: "https://grafana.wtfb.example", auth: "glsa_literal_token" }] },
    };
    // WHEN
    const review = diffStack("p", stack({}), withProvider);
    // THEN
    const text = JSON.stringify(review);
    expect(text).not.toContain("hooks.slack.example");
    expect(text).not.toContain("glsa_literal_token");
    expect(attribute(change(review.changes, "grafana_contact_point.stakeholders"), "slack[0].recipient").after).toBe(
      "#releases",
    );
    expect(attribute(change(review.changes, "provider.grafana"), "[0].url").after).toBe("https://grafana.wtfb.example");
  });

  test("a masked value that did not change is not reported", () => {
    // GIVEN
    const secret = stack({
      resource: {
        github_actions_environment_secret: {
          s: { environment: "p", secret_name: "X", plaintext_value: "${var.secret_x}" },
        },
      },
      variable: { secret_x: SECRET_VARIABLE },
    });
    // WHEN
    const review = diffStack("p", secret, secret);
    // THEN
    expect(review).toEqual({ name: "p", status: "unchanged", changes: [] });
  });

  test("the default of a sensitive variable is masked", () => {
    // GIVEN
    const after = stack({ variable: { token: { type: "string", sensitive: true, default: "s3cr3t-default" } } });
    // WHEN
    const review = diffStack("p", stack({}), after);
    // THEN
    expect(JSON.stringify(review)).not.toContain("s3cr3t-default");
    expect(attribute(change(review.changes, "var.token"), "default").after).toBeInstanceOf(Sensitive);
  });
});

describe("plan diff: stacks, settings and artifacts", () => {
  test("stacks that appear or disappear are reported as added or removed, in promotion order", () => {
    // GIVEN
    const base = app({
      production: stack({ resource: environment("production", []) }),
      qa: stack({ resource: environment("qa", []) }),
    });
    const head = app({
      production: stack({ resource: environment("production", []) }),
      staging: stack({ resource: environment("staging", []) }),
    });
    // WHEN
    const { stacks } = diffSynthesizedApps(base, head);
    // THEN
    expect(stacks.map((s) => `${s.name} ${s.status}`)).toEqual(["staging added", "production unchanged", "qa removed"]);
    expect(stacks[2].changes.map((c) => `${c.action} ${c.address}`)).toContain(
      "destroy github_repository_environment.env",
    );
  });

  test("without a base, every block of the head is added", () => {
    // GIVEN
    const head = app({ production: stack({ resource: environment("production", ["u"]) }) }, { "pipeline.md": "# p\n" });
    // WHEN
    const { stacks, artifacts } = diffSynthesizedApps(undefined, head);
    // THEN
    expect(stacks[0].status).toBe("added");
    expect(stacks[0].changes.length).toBeGreaterThan(0);
    expect(stacks[0].changes.every((c) => c.action === "create")).toBe(true);
    expect(artifacts).toEqual([expect.objectContaining({ path: "pipeline.md", action: "create", content: "# p\n" })]);
  });

  test("a backend change is flagged: the state must be migrated", () => {
    // GIVEN
    const before = stack({});
    const after = stack({ backend: { s3: { bucket: "state", key: "p.tfstate", region: "eu-central-1" } } });
    // WHEN
    const backend = change(diffStack("production", before, after).changes, "backend");
    // THEN
    expect(backend.action).toBe("update");
    expect(backend.notes[0]).toMatch(/terraform init -migrate-state/);
    expect(backend.attributes.map((a) => a.path)).toEqual(["local", "s3"]);
  });

  test("lookups that appear or disappear are reads, never destroys", () => {
    // GIVEN
    const before = stack({ data: { github_user: { auggie: { username: "auggie" } } } });
    const after = stack({ data: { github_user: { captain: { username: "release-captain" } } } });
    // WHEN
    const review = diffStack("p", before, after);
    // THEN
    expect(review.changes.map((c) => `${c.action} ${c.address}`)).toEqual([
      "forget data.github_user.auggie",
      "read data.github_user.captain",
    ]);
  });

  test("artifacts are compared by path: only changed ones are listed, with their line diff", () => {
    // GIVEN
    const base = app({}, { "pipeline.md": "a\nb\n", "workflows/ci.yml": "same\n", "alerts/old.rules.yml": "x\n" });
    const head = app({}, { "pipeline.md": "a\nc\n", "workflows/ci.yml": "same\n" });
    // WHEN
    const { artifacts } = diffSynthesizedApps(base, head);
    // THEN
    expect(artifacts.map((a) => `${a.action} ${a.path}`)).toEqual([
      "destroy alerts/old.rules.yml",
      "update pipeline.md",
    ]);
    expect(artifacts[1].diff.text).toBe("@@ -1,2 +1,2 @@\n a\n-b\n+c");
  });
});

describe("plan diff: values", () => {
  test("nested objects are compared key by key; lists without an identity, element by element", () => {
    // WHEN
    const changes = diffValues("", { a: { b: 1, c: [{ x: 1 }, { x: 2 }] } }, { a: { b: 2, c: [{ x: 1 }, { x: 3 }] } });
    // THEN
    expect(changes.map((c) => [c.path, c.before, c.after])).toEqual([
      ["a.b", 1, 2],
      ["a.c[1].x", 2, 3],
    ]);
  });
});

describe("plan diff: for_each resources, an instance per application", () => {
  /** The runtime's shape: one resource per role, an instance per application, the per-application values in the map. */
  const runtime = (
    web: { memory: number; spec: string },
    others: Record<string, { memory: number }> = { api: { memory: 512 } },
  ) =>
    stack({
      resource: {
        terraform_data: {
          blue_generation: {
            for_each: {
              web: { spec: web.spec },
              ...Object.fromEntries(Object.keys(others).map((key) => [key, { spec: "a" }])),
            },
            triggers_replace: "${each.value.spec}",
          },
        },
        docker_container: {
          blue: {
            for_each: Object.fromEntries(
              Object.entries({ web, ...others }).map(([key, { memory }]) => [
                key,
                {
                  name: `${key}-staging-blue-\${substr(terraform_data.blue_generation["${key}"].id, 0, 8)}`,
                  memory,
                  ports: key === "web" ? [8080] : [],
                },
              ]),
            ),
            name: "${each.value.name}",
            image: "nginx",
            memory: "${each.value.memory}",
            labels: [{ label: "wtfb.application", value: "${each.key}" }],
            dynamic: {
              ports: { for_each: "${each.value.ports}", content: { internal: 8080, external: "${ports.value}" } },
            },
          },
        },
      },
    });

  test("a change to one application's entry is a change to its instance only, with the values filled in", () => {
    // WHEN web's memory grows
    const review = diffStack("staging", runtime({ memory: 512, spec: "a" }), runtime({ memory: 768, spec: "a" }));
    // THEN only web's instance changes, in place
    expect(review.changes.map((c) => `${c.action} ${c.address}`)).toEqual(['update docker_container.blue["web"]']);
    expect(review.changes[0].attributes).toEqual([
      { path: "memory", before: 512, after: 768, replacement: "in-place" },
    ]);
  });

  test("an application added is its instances created; the resources stay", () => {
    const review = diffStack(
      "staging",
      runtime({ memory: 512, spec: "a" }),
      runtime({ memory: 512, spec: "a" }, { api: { memory: 512 }, worker: { memory: 256 } }),
    );
    expect(review.changes.map((c) => `${c.action} ${c.address}`)).toEqual([
      'create docker_container.blue["worker"]',
      'create terraform_data.blue_generation["worker"]',
    ]);
    const created = change(review.changes, 'docker_container.blue["worker"]');
    expect(created.attributes).toEqual(
      expect.arrayContaining([
        { path: "name", after: 'worker-staging-blue-${substr(terraform_data.blue_generation["worker"].id, 0, 8)}' },
        { path: 'labels[label="wtfb.application"].value', after: "worker" },
      ]),
    );
    // A dynamic block over an empty list makes no block.
    expect(created.attributes.filter((a) => a.path.startsWith("ports"))).toEqual([]);
  });

  test("a replaced generation replaces the instance named after it, not the other applications' instances", () => {
    const review = diffStack("staging", runtime({ memory: 512, spec: "a" }), runtime({ memory: 512, spec: "b" }));
    expect(review.changes.map((c) => `${c.action} ${c.address}`)).toEqual([
      'replace docker_container.blue["web"]',
      'replace terraform_data.blue_generation["web"]',
    ]);
    expect(change(review.changes, 'docker_container.blue["web"]').replacedWith).toEqual([
      { attribute: "name", resource: 'terraform_data.blue_generation["web"]', reads: "id", certain: true },
    ]);
  });

  test("the dynamic block is expanded into the blocks it makes", () => {
    const review = diffStack("staging", undefined, runtime({ memory: 512, spec: "a" }));
    expect(
      change(review.changes, 'docker_container.blue["web"]').attributes.filter((a) => a.path.startsWith("ports")),
    ).toEqual([
      { path: "ports[internal=8080].internal", after: 8080 },
      { path: "ports[internal=8080].external", after: 8080 },
    ]);
  });
});

describe("plan diff: moved blocks", () => {
  /** The earlier layout's shape: a resource per application, with cdktf's hashed id for the image and a lookup it pins. */
  const before = stack({
    data: { docker_registry_image: { web_lookup_1A2B3C4D: { name: "ghcr.io/wtfb/web:${var.web_version}" } } },
    resource: {
      docker_image: {
        web_image_5E6F7A8B: {
          name: "ghcr.io/wtfb/web@${data.docker_registry_image.web_lookup_1A2B3C4D.sha256_digest}",
          keep_locally: true,
        },
      },
      docker_container: {
        web_1: {
          name: "web-development-1",
          image: "${docker_image.web_image_5E6F7A8B.image_id}",
          memory: 512,
          depends_on: ["docker_container.web_migrate"],
        },
        web_migrate: { name: "web-development-migrate", image: "${docker_image.web_image_5E6F7A8B.image_id}" },
      },
    },
  });
  /** This version's: the same values as instances of for_each resources, with moved blocks from the old addresses. */
  const after = (memory: number) => ({
    ...stack({
      data: {
        docker_registry_image: {
          rolling: { for_each: { web: { name: "ghcr.io/wtfb/web:${var.web_version}" } }, name: "${each.value.name}" },
        },
      },
      resource: {
        docker_image: {
          rolling: {
            for_each: { web: { name: 'ghcr.io/wtfb/web@${data.docker_registry_image.rolling["web"].sha256_digest}' } },
            name: "${each.value.name}",
            keep_locally: true,
          },
        },
        docker_container: {
          rolling_1: {
            for_each: { web: { name: "web-development-1", image: '${docker_image.rolling["web"].image_id}', memory } },
            name: "${each.value.name}",
            image: "${each.value.image}",
            memory: "${each.value.memory}",
            depends_on: ["docker_container.rolling_migrate"],
          },
          rolling_migrate: {
            for_each: { web: { name: "web-development-migrate", image: '${docker_image.rolling["web"].image_id}' } },
            name: "${each.value.name}",
            image: "${each.value.image}",
          },
        },
      },
    }),
    moved: [
      { from: "docker_container.web_1", to: 'docker_container.rolling_1["web"]' },
      { from: "docker_container.web_migrate", to: 'docker_container.rolling_migrate["web"]' },
      { from: "docker_image.web_image_5E6F7A8B", to: 'docker_image.rolling["web"]' },
      // A move whose source is not in the base (a later stack's own history) changes nothing.
      { from: "docker_volume.gone", to: 'docker_volume.backups["web"]' },
    ],
  });

  test("a resource moved to an instance, with the same values, is a move: nothing destroyed, created or replaced", () => {
    const review = diffStack("development", before, after(512));
    expect(review.changes.map((c) => `${c.action} ${c.address}`)).toEqual([
      'move docker_container.rolling_1["web"]',
      'move docker_container.rolling_migrate["web"]',
      'move docker_image.rolling["web"]',
    ]);
    expect(change(review.changes, 'docker_image.rolling["web"]')).toMatchObject({
      movedFrom: "docker_image.web_image_5E6F7A8B",
      attributes: [],
      notes: ["state moves from `docker_image.web_image_5E6F7A8B` (a `moved` block)"],
    });
  });

  test("a moved resource that also changes is an update that says where its state comes from", () => {
    const review = diffStack("development", before, after(768));
    const moved = change(review.changes, 'docker_container.rolling_1["web"]');
    expect(moved).toMatchObject({
      action: "update",
      movedFrom: "docker_container.web_1",
      attributes: [{ path: "memory", before: 512, after: 768, replacement: "in-place" }],
    });
    expect(moved.notes[0]).toBe(
      "state moves from `docker_container.web_1` (a `moved` block), then the changes below apply",
    );
  });

  test("without the moved blocks, the same change destroys and creates", () => {
    const { moved: _moved, ...unmoved } = after(512);
    const review = diffStack("development", before, unmoved);
    expect(review.changes.filter((c) => c.kind === "resource").map((c) => c.action)).toEqual([
      "destroy",
      "destroy",
      "destroy",
      "create",
      "create",
      "create",
    ]);
  });
});

describe("plan diff: the order of moves", () => {
  test("moves come after updates and before creates, whatever their addresses", () => {
    // GIVEN a moved container, an updated and a created one, in addresses that sort the other way round
    const before = stack({
      resource: {
        docker_container: {
          a_old: { name: "moved", image: "nginx" },
          z_updated: { name: "z", image: "nginx", memory: 256 },
        },
      },
    });
    const after = {
      ...stack({
        resource: {
          docker_container: {
            m_moved: { name: "moved", image: "nginx" },
            z_updated: { name: "z", image: "nginx", memory: 512 },
            a_created: { name: "a", image: "nginx" },
          },
        },
      }),
      moved: [{ from: "docker_container.a_old", to: "docker_container.m_moved" }],
    };
    // THEN
    expect(diffStack("staging", before, after).changes.map((c) => `${c.action} ${c.address}`)).toEqual([
      "update docker_container.z_updated",
      "move docker_container.m_moved",
      "create docker_container.a_created",
    ]);
  });
});
