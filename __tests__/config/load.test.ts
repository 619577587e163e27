import * as fs from "fs";
import * as path from "path";
import { loadConfig, parseConfig } from "../../config/load";
import { configIssues as issuesOf, shippedConfigJson, temporaryDirectory } from "../helpers";

describe("pipeline config", () => {
  test("the shipped config is valid and resolves all three environments with SOP defaults", () => {
    // WHEN
    const config = parseConfig(shippedConfigJson());

    // THEN
    expect(Object.keys(config.environments)).toEqual(["development", "staging", "production"]);
    expect(config.environments.production.tags).toEqual(["v*"]);
    expect(config.environments.production.policyBranches).toEqual(["main", "hotfix/*"]);
    expect(config.environments.staging.policyBranches).toEqual(["staging", "release/*", "main", "hotfix/*"]);
    expect(config.environments.development.policyBranches).toEqual(["development", "feature/*", "main"]);
    expect(config.environments.production.canAdminsBypass).toBe(false);
    expect(config.environments.development.runtime.strategy).toEqual({ type: "rolling", replicas: 1 });
    expect(config.environments.production.monitoring.monitoringWindowMinutes).toBe(60);
    expect(config.environments.production.secrets).toContainEqual({ name: "DATABASE_URL", managedBy: "terraform" });
  });

  test("overrides in the config replace the per-environment defaults", () => {
    // GIVEN
    const raw = shippedConfigJson();
    raw.environments.staging.branches = ["qa/*"];
    raw.environments.staging.waitTimerMinutes = 15;

    // WHEN
    const config = parseConfig(raw);

    // THEN
    expect(config.environments.staging.branches).toEqual(["qa/*"]);
    expect(config.environments.staging.policyBranches).toEqual(["qa/*", "main", "hotfix/*"]);
    expect(config.environments.staging.waitTimerMinutes).toBe(15);
    expect(config.environments.development.waitTimerMinutes).toBe(0);
  });

  test("a config with schema problems says the checks across fields come once they are fixed; those checks' own report does not", () => {
    // GIVEN a field of the wrong type and, separately, two applications on one host port (a check across fields)
    const wrongType = shippedConfigJson();
    wrongType.applications[0].memoryMb = "a lot";
    const clash = shippedConfigJson();
    clash.applications.push({ ...clash.applications[0], name: "api", image: "ghcr.io/wtfb/api" });

    // THEN
    expect(() => parseConfig(wrongType)).toThrow(
      /applications\[0\]\.memoryMb[\s\S]*\n {2}\(once these are fixed, the checks across fields run too: /,
    );
    expect(() => parseConfig(clash)).toThrow(/hostPort/);
    expect(() => parseConfig(clash)).not.toThrow(/once these are fixed/);
  });

  test("fails when a field has the wrong type, naming the field", () => {
    const raw = shippedConfigJson();
    raw.environments.production.waitTimerMinutes = "five";
    expect(issuesOf(raw)).toContainEqual(
      expect.objectContaining({
        path: "environments.production.waitTimerMinutes",
        message: expect.stringContaining("expected number"),
      }),
    );
  });

  test("fails when a key is unknown, suggesting the likely intended key", () => {
    const raw = shippedConfigJson();
    raw.environments.production.reviewer = { users: ["someone"] };
    const issues = issuesOf(raw);
    expect(issues).toContainEqual(
      expect.objectContaining({
        path: "environments.production.reviewer",
        fix: expect.stringContaining('did you mean "reviewers"'),
      }),
    );
  });

  test("fails when production has an empty reviewer list", () => {
    const raw = shippedConfigJson();
    raw.environments.production.reviewers = { users: [], teams: [] };
    expect(issuesOf(raw)).toEqual([
      expect.objectContaining({
        path: "environments.production.reviewers",
        message: expect.stringContaining("at least one reviewer"),
      }),
    ]);
  });

  test("fails when production names no reviewers at all (the default is empty)", () => {
    const raw = shippedConfigJson();
    delete raw.environments.production.reviewers;
    expect(issuesOf(raw).map((issue) => issue.path)).toEqual(["environments.production.reviewers"]);
  });

  test.each([
    ["feature branch", "has space"],
    ["release..1", "contains .."],
    ["refs/heads/main", "starts with refs/"],
    ["hotfix/", "ends with /"],
    ["fix~1", "contains one of"],
  ])("fails when a branch pattern is invalid: %s", (pattern, reason) => {
    const raw = shippedConfigJson();
    raw.environments.staging.branches = ["staging", pattern];
    const issues = issuesOf(raw);
    expect(issues).toHaveLength(1);
    expect(issues[0].path).toBe("environments.staging.branches[1]");
    expect(issues[0].message).toContain(JSON.stringify(pattern));
    expect(issues[0].message).toContain(reason === "has space" ? "whitespace" : reason);
  });

  test("fails when a secret name is declared twice in one environment", () => {
    const raw = shippedConfigJson();
    raw.environments.staging.secrets = ["DATABASE_URL", { name: "DATABASE_URL", managedBy: "external" }];
    expect(issuesOf(raw)).toContainEqual(
      expect.objectContaining({
        path: "environments.staging.secrets[1]",
        message: expect.stringContaining("DATABASE_URL is declared twice"),
      }),
    );
  });

  test("fails when an environment outside development, staging and production is configured", () => {
    const raw = shippedConfigJson();
    raw.environments.qa = {};
    expect(issuesOf(raw)).toContainEqual(
      expect.objectContaining({
        path: "environments.qa",
        message: expect.stringContaining("development, staging and production"),
      }),
    );
  });

  test("fails when a credential is put in plain-text settings", () => {
    const raw = shippedConfigJson();
    raw.environments.development.settings.API_TOKEN = "abc";
    expect(issuesOf(raw)).toContainEqual(
      expect.objectContaining({
        path: "environments.development.settings.API_TOKEN",
        fix: expect.stringContaining("secrets"),
      }),
    );
  });

  test("reports every structural problem at once, not only the first", () => {
    const raw = shippedConfigJson();
    raw.repository.owner = "";
    raw.applications[0].name = "Web App";
    raw.monitoring.grafanaUrl = "not a url";
    expect(issuesOf(raw).map((issue) => issue.path)).toEqual([
      "repository.owner",
      "applications[0].name",
      "monitoring.grafanaUrl",
    ]);
  });
});

describe("loading the config file", () => {
  function projectWith(configText: string): string {
    const dir = temporaryDirectory("load");
    fs.writeFileSync(path.join(dir, "pipeline.config.json"), configText);
    return dir;
  }

  test("fails when the file is malformed JSON, with the line and column", () => {
    const dir = projectWith('{\n  "repository": { "owner": "wtfb", },\n}');
    expect(() => loadConfig({ cwd: dir, env: {} })).toThrow(
      /pipeline\.config\.json: 1 problem[\s\S]*not valid JSON[\s\S]*line 2, column 36/,
    );
  });

  test("fails when the file does not exist, saying how to point at another", () => {
    const dir = temporaryDirectory("missing");
    expect(() => loadConfig({ cwd: dir, env: {} })).toThrow(/does not exist.*PIPELINE_CONFIG/);
  });

  test("PIPELINE_CONFIG selects another config file", () => {
    const dir = projectWith("{ broken");
    fs.writeFileSync(path.join(dir, "other.json"), JSON.stringify(shippedConfigJson()));
    const loaded = loadConfig({ cwd: dir, env: { PIPELINE_CONFIG: "other.json" } });
    expect(loaded.file).toBe(path.join(dir, "other.json"));
  });

  test("an empty PIPELINE_CONFIG means the default file, as an unset one does", () => {
    const dir = projectWith(JSON.stringify(shippedConfigJson()));
    expect(loadConfig({ cwd: dir, env: { PIPELINE_CONFIG: "" } }).file).toBe(path.join(dir, "pipeline.config.json"));
    expect(loadConfig({ cwd: dir, file: "", env: {} }).file).toBe(path.join(dir, "pipeline.config.json"));
  });

  test("environment variables override config fields, and their problems name the variable", () => {
    const dir = projectWith(JSON.stringify(shippedConfigJson()));
    const loaded = loadConfig({
      cwd: dir,
      env: { WTFB_STAGING_DOCKER_HOST: "ssh://ci@staging-2.wtfb.internal", WTFB_REPOSITORY_OWNER: "wtfb-labs" },
    });
    expect(loaded.config.environments.staging.runtime.dockerHost).toBe("ssh://ci@staging-2.wtfb.internal");
    expect(loaded.config.repository.owner).toBe("wtfb-labs");
    expect(loaded.overriddenBy).toEqual(["WTFB_REPOSITORY_OWNER", "WTFB_STAGING_DOCKER_HOST"]);

    expect(() => loadConfig({ cwd: dir, env: { WTFB_PRODUCTION_DOCKER_HOST: "docker.example" } })).toThrow(
      /environments\.production\.runtime\.dockerHost: .*\(the value comes from WTFB_PRODUCTION_DOCKER_HOST\)/,
    );
  });
});
