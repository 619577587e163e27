import type { ConfigIssue } from "../../config/errors";
import { cronTimesOutsideWindow, insideDeploymentWindow } from "../../config/workflows-schema";
import { configIssues, shippedConfig, shippedConfigJson } from "../helpers";

function issuesOf(change: (raw: any) => void): readonly ConfigIssue[] {
  const raw = shippedConfigJson();
  change(raw);
  return configIssues(raw);
}

describe("workflow settings in the config", () => {
  test("the shipped config sets no workflow problem, and the defaults fill in the deploy settings per environment", () => {
    const config = shippedConfig();
    expect(config.workflows).toMatchObject({
      pipelineDirectory: "infra",
      releaseTagPrefix: "v",
      runsOn: "ubuntu-latest",
      secretMaxAgeDays: 90,
    });
    expect(config.environments.development.deploy).toMatchObject({
      cancelInProgress: false,
      canaryStepMinutes: 5,
      rollbackVerificationMinutes: 10,
    });
    expect(config.environments.production.deploy.cancelInProgress).toBe(false);
  });

  test.each(["development", "staging", "production"])(
    "fails when %s would cancel a deployment in progress (an apply is never cancelled midway)",
    (environment) => {
      expect(issuesOf((raw) => (raw.environments[environment].deploy = { cancelInProgress: true }))).toContainEqual(
        expect.objectContaining({
          path: `environments.${environment}.deploy.cancelInProgress`,
          message: expect.stringContaining("a deployment in progress is never cancelled"),
          fix: "remove it or set it to false",
        }),
      );
    },
  );

  test("fails when a smoke test checks a relative URL in an environment without a public base URL", () => {
    const issues = issuesOf((raw) => {
      delete raw.environments.staging.settings.PUBLIC_URL;
    });
    expect(issues).toEqual([
      {
        path: "environments.staging.deploy.url",
        message:
          'smoke test "health endpoint answers" checks the relative URL "/healthz", but staging has no public base URL',
        fix: "set environments.staging.deploy.url (or settings.PUBLIC_URL), or give the smoke test a full https:// URL",
      },
    ]);
  });

  test("fails when a smoke test has nothing to check", () => {
    expect(issuesOf((raw) => (raw.environments.staging.deploy = { smokeTests: [{ name: "empty" }] }))).toContainEqual(
      expect.objectContaining({
        path: "environments.staging.deploy.smokeTests[0]",
        message: 'smoke test "empty" has neither url nor command',
      }),
    );
  });

  test("fails when a command would let GitHub interpolate an expression into a script", () => {
    expect(
      issuesOf((raw) => (raw.workflows.commands = { lint: "npm run lint -- ${{ github.head_ref }}" })),
    ).toContainEqual(
      expect.objectContaining({
        path: "workflows.commands.lint",
        message: expect.stringContaining("must not contain ${{ }}"),
      }),
    );
  });

  test("fails when the pipeline directory leaves the repository", () => {
    expect(issuesOf((raw) => (raw.workflows.pipelineDirectory = "../elsewhere"))).toContainEqual(
      expect.objectContaining({
        path: "workflows.pipelineDirectory",
        message: "must be a relative path inside the repository, e.g. infra",
      }),
    );
  });

  test("fails when release tags would not start a production deploy", () => {
    expect(issuesOf((raw) => (raw.workflows.releaseTagPrefix = "release-"))).toContainEqual(
      expect.objectContaining({
        path: "environments.production.tags",
        message: expect.stringContaining('tags releases like release-1.2.3, but production deploys on tags ["v*"]'),
        fix: expect.stringContaining('add "release-*"'),
      }),
    );
  });

  test("fails when the scheduled release falls outside production's deployment window, naming the time", () => {
    expect(issuesOf((raw) => (raw.workflows.releaseCron = "0 9 * * 1"))).toContainEqual({
      path: "workflows.releaseCron",
      message:
        "the scheduled release (0 9 * * 1, UTC) tags at mon 09:00 UTC, outside production's deployment window (tue, wed, thu 07:00–10:00 UTC), so its production deploy would be refused",
      fix: 'move the release into the window, e.g. "0 7 * * 2"',
    });
    expect(issuesOf((raw) => (raw.workflows.releaseCron = "15 9 * * 3"))).toEqual([]);
  });

  test("judges the window in its own time zone in winter and summer: 09:30 UTC is 10:30 in Berlin in January but 11:30 in July", () => {
    const window = { days: ["tue" as const], start: "09:00", end: "11:00", timezone: "Europe/Berlin" };
    expect(cronTimesOutsideWindow("0 8 * * 2", window)).toEqual([]);
    expect(cronTimesOutsideWindow("30 9 * * 2", window)).toEqual(["tue 09:30 UTC"]);
    expect(cronTimesOutsideWindow("0 8 1 * *", window)).toBeUndefined();
  });

  test.each([
    ["inside", "tue", "07:00", true],
    ["at the end (exclusive)", "tue", "10:00", false],
    ["before the start", "tue", "06:59", false],
    ["another day", "mon", "08:00", false],
  ] as const)("a daytime window: %s", (_, day, time, inside) => {
    expect(insideDeploymentWindow({ days: ["tue", "wed", "thu"], start: "07:00", end: "10:00" }, day, time)).toBe(
      inside,
    );
  });

  test.each([
    ["late on the day it starts", "fri", "23:30", true],
    ["after midnight, still the friday window", "sat", "01:00", true],
    ["after midnight of a day without a window", "fri", "01:00", false],
    ["the next evening before the start", "sat", "21:00", false],
  ] as const)("a window over midnight belongs to the day it starts: %s", (_, day, time, inside) => {
    expect(insideDeploymentWindow({ days: ["fri"], start: "22:00", end: "02:00" }, day, time)).toBe(inside);
  });
});
