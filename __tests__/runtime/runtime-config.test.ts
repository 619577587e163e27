import { parseConfig } from "../../config/load";
import { DEFAULT_CANARY_STEPS, DEFAULT_PROXY_IMAGE, RUNTIME_DEFAULTS } from "../../config/runtime-schema";
import { DeploymentStrategy } from "../../constructs/runtime/deployment-strategy";
import { configIssues as issuesOf, shippedConfigJson as shippedConfig } from "../helpers";

describe("runtime config", () => {
  it("accepts the shipped config and resolves each environment's strategy and proxy image", () => {
    const config = parseConfig(shippedConfig());
    expect(config.environments.development.runtime).toEqual({
      dockerHost: "ssh://deploy@dev.wtfb.internal",
      strategy: { type: "rolling", replicas: 1 },
      proxyImage: DEFAULT_PROXY_IMAGE,
    });
    expect(config.environments.staging.runtime.strategy).toEqual({ type: "blue-green" });
    expect(config.environments.production.runtime.strategy).toEqual({ type: "canary", steps: [5, 25, 50, 100] });
    expect(config.applications[0].database).toMatchObject({
      databaseUrlSecret: "DATABASE_URL",
      backupsKept: 10,
      scaleDownDuringMigration: false,
    });
  });

  it("has one canary default: the config's, production's and DeploymentStrategy.canary()'s steps are DEFAULT_CANARY_STEPS, which no caller can change", () => {
    // GIVEN: a canary strategy without steps
    const raw = shippedConfig();
    raw.environments.production.runtime.strategy = { type: "canary" };

    // WHEN
    const parsed = parseConfig(raw).environments.production.runtime.strategy;

    // THEN: every default is the one constant, and it is read-only
    expect(parsed).toEqual({ type: "canary", steps: [...DEFAULT_CANARY_STEPS] });
    expect(RUNTIME_DEFAULTS.production.strategy).toEqual({ type: "canary", steps: [...DEFAULT_CANARY_STEPS] });
    expect(DeploymentStrategy.canary().config).toEqual({ type: "canary", steps: [...DEFAULT_CANARY_STEPS] });
    expect(Object.isFrozen(DEFAULT_CANARY_STEPS)).toBe(true);
    // a parsed config owns its copy: changing it changes neither the default nor the next parse
    (parsed as { steps: number[] }).steps.push(100);
    expect(DEFAULT_CANARY_STEPS).toEqual([5, 25, 50, 100]);
    expect(parseConfig(raw).environments.production.runtime.strategy).toEqual({
      type: "canary",
      steps: [5, 25, 50, 100],
    });
  });

  it("fails when a rolling deployment has fewer than 1 replica", () => {
    const raw = shippedConfig();
    raw.environments.development.runtime.strategy = { type: "rolling", replicas: 0 };
    expect(issuesOf(raw)).toEqual([
      expect.objectContaining({
        path: "environments.development.runtime.strategy.replicas",
        message: "a rolling deployment needs at least 1 replica",
      }),
    ]);
  });

  it("fails when a canary weight is outside 0–100", () => {
    const raw = shippedConfig();
    raw.environments.production.runtime.strategy = { type: "canary", steps: [5, 150] };
    expect(issuesOf(raw)).toEqual([
      expect.objectContaining({
        path: "environments.production.runtime.strategy.steps[1]",
        message: "a canary weight is a percentage from 0 to 100",
      }),
    ]);
  });

  it("fails when the canary weights do not rise", () => {
    const raw = shippedConfig();
    raw.environments.production.runtime.strategy = { type: "canary", steps: [50, 25, 100] };
    expect(issuesOf(raw)).toEqual([
      expect.objectContaining({
        path: "environments.production.runtime.strategy.steps[1]",
        message: expect.stringContaining("canary weights must rise step by step, but 25 follows 50"),
      }),
    ]);
  });

  it("fails when the strategy is unknown", () => {
    const raw = shippedConfig();
    raw.environments.staging.runtime.strategy = { type: "recreate" };
    expect(issuesOf(raw)).toEqual([
      {
        path: "environments.staging.runtime.strategy.type",
        message: "unknown strategy",
        fix: "use one of rolling, blue-green, canary",
      },
    ]);
  });

  it("fails when a health check has no command", () => {
    const raw = shippedConfig();
    raw.applications[0].healthCheck = { intervalSeconds: 10 };
    expect(issuesOf(raw)).toEqual([
      expect.objectContaining({
        path: "applications[0].healthCheck.command",
        message: expect.stringContaining("is required"),
      }),
    ]);
    raw.applications[0].healthCheck = { command: [] };
    expect(issuesOf(raw)).toEqual([
      expect.objectContaining({
        path: "applications[0].healthCheck.command",
        message: expect.stringContaining("needs at least one word"),
      }),
    ]);
  });

  it("fails when a health check command starts with Docker's CMD keyword", () => {
    const raw = shippedConfig();
    raw.applications[0].healthCheck.command = ["CMD-SHELL", "curl -f localhost:3000"];
    expect(issuesOf(raw)).toEqual([
      expect.objectContaining({
        path: "applications[0].healthCheck.command",
        message: "starts with a Docker health check keyword",
        fix: expect.stringContaining("give the command only (the runtime adds CMD)"),
      }),
    ]);
  });

  it("fails when two applications publish the same host port", () => {
    const raw = shippedConfig();
    raw.applications.push({ ...raw.applications[0], name: "api", database: undefined });
    expect(issuesOf(raw)).toEqual([
      expect.objectContaining({
        path: "applications[1].hostPort",
        message: "host port 8080 is already published by applications[0] (web)",
      }),
    ]);
  });

  it("fails when the image names a tag, since the version is a release variable", () => {
    const raw = shippedConfig();
    raw.applications[0].image = "ghcr.io/wtfb/web:1.4.2";
    expect(issuesOf(raw)).toEqual([
      expect.objectContaining({
        path: "applications[0].image",
        message: expect.stringContaining("without tag or digest"),
      }),
    ]);
  });

  it("fails when a migration should scale down under blue-green or canary", () => {
    const raw = shippedConfig();
    raw.applications[0].database.scaleDownDuringMigration = true;
    const issues = issuesOf(raw);
    expect(issues.map((issue) => issue.path)).toEqual([
      "applications[0].database.scaleDownDuringMigration",
      "applications[0].database.scaleDownDuringMigration",
    ]);
    expect(issues[0]).toMatchObject({
      message: expect.stringContaining("staging deploys web blue-green"),
      fix: expect.stringContaining('set environments.staging.runtime.strategy to { "type": "rolling" }'),
    });
  });

  it("fails when an environment lacks the secret the default backup dumps", () => {
    const raw = shippedConfig();
    raw.environments.development.secrets = ["SESSION_SECRET"];
    expect(issuesOf(raw)).toEqual([
      expect.objectContaining({
        path: "environments.development.secrets",
        message: expect.stringContaining(
          "dumps the database at $DATABASE_URL, but development declares no secret DATABASE_URL",
        ),
      }),
    ]);
  });

  it("fails when a mysql database has no backup command", () => {
    const raw = shippedConfig();
    raw.applications[0].database.engine = "mysql";
    expect(issuesOf(raw)).toEqual([
      expect.objectContaining({
        path: "applications[0].database.backupCommand",
        message: expect.stringContaining("mysql has no default backup"),
      }),
    ]);
  });
});
