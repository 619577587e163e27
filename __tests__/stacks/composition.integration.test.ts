import * as fs from "fs";
import * as path from "path";
import { App, TerraformStack } from "cdktf";
import { Artifacts } from "../../constructs/artifacts";
import { EnvironmentMonitoring } from "../../constructs/monitoring/environment-monitoring";
import { environmentMonitoringProps } from "../../constructs/monitoring/from-config";
import { addPipelineStacks } from "../../stacks/pipeline";
import { readTree, shippedConfig, temporaryDirectory } from "../helpers";

/** Another team's config: another repository, so no GitHub object is shared with the shipped one. */
const teamB = shippedConfig((raw) => {
  raw.repository.name = "team-b-app";
});

describe("several pipelines in one app", () => {
  test("addPipelineStacks twice, with different prefixes: every stack and file of each is its own, written by app.synth()", () => {
    // GIVEN one app with the shipped pipeline (no prefix) and team B's (prefix team-b)
    const outdir = temporaryDirectory("two-pipelines");
    const app = new App({ outdir, stackTraces: false });
    const first = addPipelineStacks(app, shippedConfig());
    const second = addPipelineStacks(app, teamB, { prefix: "team-b" });

    // WHEN the app synthesizes itself, as a consumer's main.ts or `cdktf synth` does
    app.synth();

    // THEN each pipeline has its four stacks under its own names
    expect([...first.environments, first.repository].map((stack) => stack.node.id)).toEqual([
      "development",
      "staging",
      "production",
      "repository",
    ]);
    expect([...second.environments, second.repository].map((stack) => stack.node.id)).toEqual([
      "team-b-development",
      "team-b-staging",
      "team-b-production",
      "team-b-repository",
    ]);
    const files = readTree(outdir);
    for (const stack of ["staging", "repository", "team-b-staging", "team-b-repository"])
      expect(files[path.join("stacks", stack, "cdk.tf.json")]).toBeDefined();

    // AND each one's files (workflows, alert rules, proxy files, diagram) are in its own folder, as registered
    const registered = Artifacts.of(app).entries();
    for (const [file, content] of registered) expect(files[file]).toBe(content);
    const teamBFiles = registered.map(([file]) => file).filter((file) => file.startsWith("team-b/"));
    expect(teamBFiles).toEqual(
      expect.arrayContaining([
        "team-b/alerts/staging.rules.yml",
        "team-b/workflows/ci.yml",
        "team-b/runtime/staging/web.nginx.conf",
        "team-b/pipeline.md",
      ]),
    );
    expect(registered.map(([file]) => file)).toEqual(
      expect.arrayContaining(["alerts/staging.rules.yml", "workflows/ci.yml", "pipeline.md"]),
    );
    expect(files[path.join("team-b", "workflows", "ci.yml")]).toBe(files[path.join("workflows", "ci.yml")]);

    // AND each stack keeps its own local state file
    const backend = (stack: string) =>
      JSON.parse(files[path.join("stacks", stack, "cdk.tf.json")]).terraform.backend.local.path;
    expect(backend("team-b-development")).toBe("../../../terraform.team-b-development.tfstate");
    expect(backend("development")).toBe("../../../terraform.development.tfstate");
  });

  test("a hand-composed stack with EnvironmentMonitoring for staging beside a pipeline: its rule file goes in the stack's folder", () => {
    const outdir = temporaryDirectory("hand-and-pipeline");
    const app = new App({ outdir, stackTraces: false });
    const own = new TerraformStack(app, "billing-staging");
    const monitoring = new EnvironmentMonitoring(own, "monitoring", environmentMonitoringProps(teamB, "staging"));
    addPipelineStacks(app, shippedConfig());

    app.synth();

    expect(monitoring.alertRules.ruleFilePath).toBe("billing-staging/alerts/staging.rules.yml");
    const files = readTree(outdir);
    expect(files[path.join("billing-staging", "alerts", "staging.rules.yml")]).toContain("ErrorRateHigh");
    expect(files[path.join("alerts", "staging.rules.yml")]).toContain("ErrorRateHigh");
    expect(
      JSON.parse(files[path.join("stacks", "billing-staging", "cdk.tf.json")]).resource.grafana_rule_group,
    ).toBeDefined();
  });

  test("a second pipeline without a prefix fails before adding anything, naming the stack and the fix", () => {
    const app = new App({ outdir: temporaryDirectory("same-prefix") });
    addPipelineStacks(app, shippedConfig());
    const stacks = app.node.children.length;
    expect(() => addPipelineStacks(app, teamB)).toThrow(
      /the app already has a stack named development — fix: give each pipeline in one app its own prefix/,
    );
    expect(app.node.children).toHaveLength(stacks);
  });

  test.each(["Team B!", "-b", "stacks", ""])("refuses the prefix %j, saying what a prefix may hold", (prefix) => {
    const app = new App({ outdir: temporaryDirectory("bad-prefix") });
    expect(() => addPipelineStacks(app, teamB, { prefix })).toThrow(
      /pipeline prefix .* — fix: use letters, digits and dashes/,
    );
  });

  test("constructing the stacks writes nothing; the app's synth writes the stacks and the files", () => {
    const outdir = temporaryDirectory("no-write");
    const app = new App({ outdir, stackTraces: false });
    addPipelineStacks(app, shippedConfig(), { prefix: "team-a" });
    // (cdktf creates the empty stacks folder with the app)
    expect(fs.readdirSync(outdir)).toEqual(["stacks"]);
    app.synth();
    expect(fs.readdirSync(outdir).sort()).toEqual(["manifest.json", "stacks", "team-a"]);
  });
});
