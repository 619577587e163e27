import { ConfigError } from "../../config/errors";
import { parseConfig } from "../../config/load";
import { configIssues, shippedConfigJson } from "../helpers";

/** Configs a new user writes by mistake: one mistake each, of every kind the schema and the checks report. */
const MISTAKES: Array<[string, (raw: any) => void]> = [
  ["a string where an object goes", (raw) => (raw.repository = "wtfb/wtfb-app")],
  ["a number where an object goes", (raw) => (raw.applications[0].healthCheck = 5)],
  ["a list where a number goes", (raw) => (raw.applications[0].memoryMb = [768])],
  ["a missing list", (raw) => (raw.monitoring.stakeholders = { type: "email" })],
  ["a value outside an enum", (raw) => (raw.applications[0].database.engine = "postgress")],
  ["a name that breaks a pattern", (raw) => (raw.repository.owner = "bob smith")],
  ["a refinement with advice after a semicolon", (raw) => (raw.applications[0].database.engine = "mysql")],
  [
    "canary weights out of order",
    (raw) => (raw.environments.production.runtime.strategy = { type: "canary", steps: [50, 25, 100] }),
  ],
  ["a shortened environment name", (raw) => (raw.environments.prod = {})],
  ["an unknown key", (raw) => (raw.repository.ownr = "wtfb")],
  ["an unknown strategy", (raw) => (raw.environments.staging.runtime.strategy = { type: "rainbow" })],
  [
    "an empty reviewer list for production",
    (raw) => (raw.environments.production.reviewers = { users: [], teams: [] }),
  ],
  ["a wrong time zone", (raw) => (raw.environments.production.deploymentWindow.timezone = "Mars/Olympus")],
  ["a secret named GITHUB_", (raw) => raw.environments.staging.secrets.push("GITHUB_TOKEN_X")],
  ["no applications", (raw) => (raw.applications = [])],
  [
    "a duplicated host port",
    (raw) => raw.applications.push({ ...raw.applications[0], name: "api", image: "ghcr.io/wtfb/api" }),
  ],
];

function issuesAfter(change: (raw: any) => void) {
  const raw = shippedConfigJson();
  change(raw);
  return configIssues(raw);
}

describe("config problems, as a new user reads them", () => {
  test.each(MISTAKES)(
    "%s: every problem says how to fix it, in words without a/an before object or array",
    (_name, change) => {
      const issues = issuesAfter(change);
      expect(issues.length).toBeGreaterThan(0);
      for (const issue of issues) {
        expect(issue.fix.trim()).not.toBe("");
        const text = `${issue.message} — fix: ${issue.fix}`;
        expect(text).not.toMatch(/\ban? (object|array|integer)\b/);
      }
    },
  );

  test("names the JSON type to write in the fix", () => {
    expect(issuesAfter((raw) => (raw.repository = "x"))).toContainEqual({
      path: "repository",
      message: 'expected object, got string "x"',
      fix: "make it a JSON object ({ … })",
    });
    expect(issuesAfter((raw) => (raw.applications[0].memoryMb = [768]))).toContainEqual({
      path: "applications[0].memoryMb",
      message: "expected number, got a list",
      fix: "make it a number",
    });
  });

  test.each([
    ["prod", "production"],
    ["dev", "development"],
    ["stage", "staging"],
    ["Production", "production"],
  ])("an environment named %s: did you mean %s?", (written, meant) => {
    const issues = issuesAfter((raw) => (raw.environments[written] = {}));
    expect(issues).toEqual([
      {
        path: `environments.${written}`,
        message: `unknown environment ${JSON.stringify(written)}; the SOP has exactly development, staging and production`,
        fix: `did you mean ${JSON.stringify(meant)}? (unknown keys are rejected to catch typos)`,
      },
    ]);
  });

  test("two unknown environments: each problem names its own", () => {
    const issues = issuesAfter((raw) => {
      raw.environments.prod = {};
      raw.environments.qa = {};
    });
    expect(issues.map((issue) => [issue.path, issue.message])).toEqual([
      ["environments.prod", 'unknown environment "prod"; the SOP has exactly development, staging and production'],
      ["environments.qa", 'unknown environment "qa"; the SOP has exactly development, staging and production'],
    ]);
    expect(issues[1].fix).toBe("remove it; allowed here: development, staging, production");
  });

  test("a value close to an allowed one gets a did-you-mean", () => {
    expect(issuesAfter((raw) => (raw.applications[0].database.engine = "postgress"))).toContainEqual(
      expect.objectContaining({
        path: "applications[0].database.engine",
        fix: 'did you mean "postgres"? (allowed: "postgres", "mysql")',
      }),
    );
  });

  test("a schema message with advice is split into the problem and its fix; a rule becomes the fix for the value written", () => {
    expect(issuesAfter((raw) => (raw.applications[0].database.engine = "mysql"))).toContainEqual({
      path: "applications[0].database.backupCommand",
      message: "mysql has no default backup",
      fix: expect.stringMatching(/^set backupCommand to a command that writes a dump to \$BACKUP_FILE/),
    });
    expect(issuesAfter((raw) => (raw.repository.owner = "bob smith"))).toContainEqual({
      path: "repository.owner",
      message: "must be a GitHub user or organization name",
      fix: 'change "bob smith" to a value that is a GitHub user or organization name',
    });
  });

  test("the report lists each problem once", () => {
    const raw = shippedConfigJson();
    raw.environments.prod = {};
    raw.repository.owner = "bob smith";
    raw.applications[0].healthCheck = 5;
    let report = "";
    try {
      parseConfig(raw);
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      report = error.message;
    }
    const lines = report.split("\n").filter((line) => line.startsWith("  ✖ "));
    expect(lines).toHaveLength(3);
    expect(new Set(lines).size).toBe(3);
  });
});
