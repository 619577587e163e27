import { DEPLOYMENT_METRICS, deploymentAnnotationTags } from "../../../constructs/contract";
import {
  annotationTags,
  buildRecord,
  pushgatewayBody,
  recordStatus,
  summaryMarkdown,
} from "../../../cli/deployment-record";
import { judgeDeploymentWindow } from "../../../cli/deployment-window";
import type { RunState } from "../../../cli/run-state";

const state: RunState = {
  kind: "deployment",
  environment: "production",
  startedAt: "2026-06-02T08:00:00.000Z",
  trigger: "push",
  deployer: "alice",
  commit: "abcdef1234567890abcdef1234567890abcdef12",
  ref: "refs/tags/v1.5.0",
  applications: { web: { version: "1.5.0", previous: "1.4.2", knownGood: "1.4.2" } },
  initialReleaseState: {},
  releaseState: {},
  issues: [],
  annotations: {},
};

describe("the deployment record (SOP §8.1)", () => {
  test.each([
    ["deployment", "success", "", "success"],
    ["deployment", "failure", "success", "rolled-back"],
    ["deployment", "failure", "failure", "failure"],
    ["deployment", "cancelled", "", "cancelled"],
    ["rollback", "failure", "success", "failure"],
  ] as const)("a %s whose job ended %s (rollback %s) is %s", (kind, job, rollback, status) => {
    expect(recordStatus(kind, job, rollback)).toBe(status);
  });

  test("holds timestamp, version, commit, deployer, environment, status and issues", () => {
    const record = buildRecord(
      state,
      "rolled-back",
      "2026-06-02T09:10:00.000Z",
      "https://github.com/wtfb/wtfb-app/actions/runs/7",
      ["ErrorRateHigh: web=0.03 above 0.01"],
    );
    expect(record).toEqual({
      kind: "deployment",
      environment: "production",
      status: "rolled-back",
      startedAt: "2026-06-02T08:00:00.000Z",
      finishedAt: "2026-06-02T09:10:00.000Z",
      commit: state.commit,
      ref: "refs/tags/v1.5.0",
      deployer: "alice",
      trigger: "push",
      applications: { web: { version: "1.5.0", previousVersion: "1.4.2" } },
      runUrl: "https://github.com/wtfb/wtfb-app/actions/runs/7",
      issues: ["ErrorRateHigh: web=0.03 above 0.01"],
    });
  });

  test("the job summary has one row per application, and no Markdown a deployer's name could break", () => {
    const record = buildRecord({ ...state, deployer: "mallory|<b>" }, "success", "2026-06-02T09:10:00.000Z", "u", []);
    expect(summaryMarkdown(record)).toContain(
      "| 2026-06-02T09:10:00.000Z | production | web | `1.5.0` | `1.4.2` | `abcdef1` | mallory b | success | none |",
    );
  });

  test("annotation tags are the contract's", () => {
    expect(annotationTags(state, "web", "1.5.0", "started")).toEqual(
      deploymentAnnotationTags({
        kind: "deployment",
        environment: "production",
        application: "web",
        version: "1.5.0",
        status: "started",
      }),
    );
  });

  test("Pushgateway: a success records its time and lead time; a rolled-back deployment records the failure and the rollback with its reason", () => {
    const success = pushgatewayBody(buildRecord(state, "success", "t", "u", []), 1_780_000_000, 1_779_996_400);
    expect(success).toBe(
      `# TYPE ${DEPLOYMENT_METRICS.lastDeployment} gauge\n${DEPLOYMENT_METRICS.lastDeployment}{status="success"} 1780000000\n# TYPE ${DEPLOYMENT_METRICS.leadTime} gauge\n${DEPLOYMENT_METRICS.leadTime} 3600\n`,
    );
    const rolledBack = pushgatewayBody(
      buildRecord(state, "rolled-back", "t", "u", ['error "rate"\nhigh']),
      1_780_000_000,
      undefined,
    );
    expect(rolledBack).toContain(`${DEPLOYMENT_METRICS.lastDeployment}{status="failure"} 1780000000`);
    expect(rolledBack).toContain(
      `${DEPLOYMENT_METRICS.lastRollback}{reason="automatic: error \\"rate\\" high"} 1780000000`,
    );
    expect(rolledBack).not.toContain(DEPLOYMENT_METRICS.leadTime);
  });

  test("a rollback run records the rollback and its reason, not a deployment", () => {
    const body = pushgatewayBody(
      buildRecord({ ...state, kind: "rollback", reason: "checkout broken" }, "success", "t", "u", []),
      1_780_000_000,
      undefined,
    );
    expect(body).toBe(
      `# TYPE ${DEPLOYMENT_METRICS.lastRollback} gauge\n${DEPLOYMENT_METRICS.lastRollback}{reason="checkout broken"} 1780000000\n`,
    );
  });
});

describe("the deployment window at run time", () => {
  const window = {
    days: ["tue" as const, "wed" as const, "thu" as const],
    start: "07:00",
    end: "10:00",
    timezone: "Europe/Berlin",
  };

  test("judges the instant in the window's time zone", () => {
    // 2026-06-02 is a Tuesday; 06:30 UTC is 08:30 in Berlin (summer time).
    expect(judgeDeploymentWindow(window, new Date("2026-06-02T06:30:00Z"))).toEqual({
      inside: true,
      local: "tue 08:30 Europe/Berlin",
      window: "tue, wed, thu 07:00–10:00 Europe/Berlin",
    });
    expect(judgeDeploymentWindow(window, new Date("2026-06-02T08:30:00Z")).inside).toBe(false);
    expect(judgeDeploymentWindow(window, new Date("2026-06-01T06:30:00Z"))).toMatchObject({
      inside: false,
      local: "mon 08:30 Europe/Berlin",
    });
  });
});
