import {
  isServing,
  planRelease,
  planReleaseApplies,
  releaseVariablesOf,
  ReleasePlanError,
  servingVersion,
  tagOf,
} from "../../../constructs/workflows/runtime/release-plan";

describe("release plan: the Terraform release variables of each step", () => {
  describe("rolling", () => {
    const variables = releaseVariablesOf(["web", "billing-api"], { type: "rolling", replicas: 2 });

    test("a deploy sets every application's version; a rollback restores the one asked for and leaves the others", () => {
      // WHEN
      const deployed = planRelease(
        variables,
        { web_version: "1.0.0", billing_api_version: "3.1.0" },
        { kind: "deploy", versions: { web: "1.1.0", "billing-api": "3.2.0" }, canaryWeight: 0 },
      );
      const rolledBack = planRelease(variables, deployed, { kind: "rollback", versions: { web: "1.0.0" } });

      // THEN
      expect(deployed).toEqual({ web_version: "1.1.0", billing_api_version: "3.2.0" });
      expect(rolledBack).toEqual({ web_version: "1.0.0", billing_api_version: "3.2.0" });
      expect(servingVersion(variables.web, rolledBack)).toBe("1.0.0");
    });
  });

  describe("blue-green", () => {
    const variables = releaseVariablesOf(["web"], { type: "blue-green" });
    const serving = { web_blue_version: "1.0.0", web_green_version: "0.9.0", web_active_slot: "blue" };

    test("the first deployment fills both slots and serves blue", () => {
      expect(planRelease(variables, {}, { kind: "deploy", versions: { web: "1.0.0" }, canaryWeight: 0 })).toEqual({
        web_blue_version: "1.0.0",
        web_green_version: "1.0.0",
        web_active_slot: "blue",
      });
    });

    test("a deploy fills the idle slot while the active one keeps serving; the switch then routes to it", () => {
      const staged = planRelease(variables, serving, { kind: "deploy", versions: { web: "1.1.0" }, canaryWeight: 0 });
      expect(staged).toEqual({ web_blue_version: "1.0.0", web_green_version: "1.1.0", web_active_slot: "blue" });
      const switched = planRelease(variables, staged, { kind: "switch", versions: { web: "1.1.0" } });
      expect(switched).toEqual({ web_blue_version: "1.0.0", web_green_version: "1.1.0", web_active_slot: "green" });
      expect(servingVersion(variables.web, switched)).toBe("1.1.0");
    });

    test("a rollback to the version the idle slot still runs is a switch back, nothing redeployed", () => {
      const switched = { web_blue_version: "1.0.0", web_green_version: "1.1.0", web_active_slot: "green" };
      expect(planRelease(variables, switched, { kind: "rollback", versions: { web: "1.0.0" } })).toEqual({
        ...switched,
        web_active_slot: "blue",
      });
    });

    test("a rollback to an older version puts it into the idle slot and routes to it", () => {
      expect(planRelease(variables, serving, { kind: "rollback", versions: { web: "0.8.0" } })).toEqual({
        web_blue_version: "1.0.0",
        web_green_version: "0.8.0",
        web_active_slot: "green",
      });
    });

    test("a rollback to what already serves changes nothing", () => {
      expect(planRelease(variables, serving, { kind: "rollback", versions: { web: "1.0.0" } })).toEqual(serving);
    });
  });

  describe("canary", () => {
    const variables = releaseVariablesOf(["web"], { type: "canary", steps: [5, 25, 50, 100] });
    const stable = { web_stable_version: "1.0.0", web_canary_version: "1.0.0", web_canary_weight: "0" };

    test("a deploy starts the canary at the first weight; weights rise; promotion makes it stable with no canary traffic", () => {
      const started = planRelease(variables, stable, { kind: "deploy", versions: { web: "1.1.0" }, canaryWeight: 5 });
      expect(started).toEqual({ web_stable_version: "1.0.0", web_canary_version: "1.1.0", web_canary_weight: "5" });
      const raised = planRelease(variables, started, { kind: "weight", canaryWeight: 50 });
      expect(raised.web_canary_weight).toBe("50");
      const promoted = planRelease(variables, raised, { kind: "promote", versions: { web: "1.1.0" } });
      expect(promoted).toEqual({ web_stable_version: "1.1.0", web_canary_version: "1.1.0", web_canary_weight: "0" });
      expect(servingVersion(variables.web, promoted)).toBe("1.1.0");
    });

    test("a rollback serves the known-good version from both slots, with no canary traffic", () => {
      const raised = { web_stable_version: "1.0.0", web_canary_version: "1.1.0", web_canary_weight: "25" };
      expect(planRelease(variables, raised, { kind: "rollback", versions: { web: "1.0.0" } })).toEqual(stable);
    });

    test("a rollback while the canary takes traffic first moves the weight to 0 alone, then changes the versions", () => {
      // GIVEN the canary at 25%
      const raised = { web_stable_version: "1.0.0", web_canary_version: "1.1.0", web_canary_weight: "25" };
      // WHEN it is rolled back / THEN the first apply only takes the traffic off the canary, the second replaces it
      expect(planReleaseApplies(variables, raised, { kind: "rollback", versions: { web: "1.0.0" } })).toEqual([
        { ...raised, web_canary_weight: "0" },
        stable,
      ]);
    });

    test("a rollback after promotion is one apply: both slots are replaced before the routing moves to them", () => {
      const promoted = { web_stable_version: "1.1.0", web_canary_version: "1.1.0", web_canary_weight: "0" };
      expect(planReleaseApplies(variables, promoted, { kind: "rollback", versions: { web: "1.0.0" } })).toEqual([
        stable,
      ]);
    });

    test("every other step is the one apply planRelease gives", () => {
      const started = { web_stable_version: "1.0.0", web_canary_version: "1.1.0", web_canary_weight: "5" };
      expect(planReleaseApplies(variables, started, { kind: "weight", canaryWeight: 25 })).toEqual([
        { ...started, web_canary_weight: "25" },
      ]);
      expect(planReleaseApplies(variables, started, { kind: "promote", versions: { web: "1.1.0" } })).toEqual([
        { web_stable_version: "1.1.0", web_canary_version: "1.1.0", web_canary_weight: "0" },
      ]);
      expect(
        planReleaseApplies(
          releaseVariablesOf(["web"], { type: "rolling", replicas: 1 }),
          { web_version: "1.1.0" },
          { kind: "rollback", versions: { web: "1.0.0" } },
        ),
      ).toEqual([{ web_version: "1.0.0" }]);
    });

    test("fails when a weight is not a whole percentage", () => {
      expect(() => planRelease(variables, stable, { kind: "weight", canaryWeight: 120 })).toThrow(
        "a canary weight is a whole percentage from 0 to 100, not 120",
      );
    });
  });

  test("a version may carry the digest its build recorded (tag@sha256:…), and only a whole sha256 digest", () => {
    const variables = releaseVariablesOf(["web"], { type: "rolling", replicas: 1 });
    const pinned = `1.4.2-abc1234@sha256:${"3f".repeat(32)}`;
    expect(planRelease(variables, {}, { kind: "deploy", versions: { web: pinned }, canaryWeight: 0 })).toEqual({
      web_version: pinned,
    });
    for (const bad of [
      "1.4.2@sha256:abc",
      `1.4.2@md5:${"3f".repeat(32)}`,
      `@sha256:${"3f".repeat(32)}`,
      `1.4.2@sha256:${"3F".repeat(32)}`,
      `1.4.2@sha256:${"3f".repeat(32)} x`,
    ]) {
      expect(() => planRelease(variables, {}, { kind: "deploy", versions: { web: bad }, canaryWeight: 0 })).toThrow(
        ReleasePlanError,
      );
    }
  });

  test("the tag of a version is what the application reports; an alert's seen tag matches the tag@digest serving", () => {
    const pinned = `1.4.2@sha256:${"3f".repeat(32)}`;
    expect([tagOf(pinned), tagOf("1.4.2")]).toEqual(["1.4.2", "1.4.2"]);
    expect(isServing("1.4.2", pinned)).toBe(true);
    expect(isServing(pinned, pinned)).toBe(true);
    expect(isServing("1.4.1", pinned)).toBe(false);
    expect(isServing(`1.4.2@sha256:${"a0".repeat(32)}`, pinned)).toBe(false);
    expect(isServing("1.4.2", undefined)).toBe(false);
  });

  test("fails when a version is not an image tag, before anything is applied", () => {
    const variables = releaseVariablesOf(["web"], { type: "rolling", replicas: 1 });
    expect(() =>
      planRelease(variables, {}, { kind: "deploy", versions: { web: "1.0.0; rm -rf /" }, canaryWeight: 0 }),
    ).toThrow(ReleasePlanError);
  });

  test("fails when an application that does not move has never been deployed by the workflows, since Terraform needs its value", () => {
    const variables = releaseVariablesOf(["web", "billing-api"], { type: "rolling", replicas: 1 });
    expect(() =>
      planRelease(variables, { web_version: "1.0.0" }, { kind: "rollback", versions: { web: "0.9.0" } }),
    ).toThrow("no value is known for billing_api_version");
  });
});
