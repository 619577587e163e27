import { shippedConfig } from "../helpers";
import { variantConfig } from "./support/configs";
import { generatedWorkflows, validateWithGitHub } from "./support/workflows";

/** GitHub's own parser and validator (@actions/languageservice), run in a child process with the JSON-import hook. */
describe("every generated workflow passes GitHub's workflow validator", () => {
  test.each([
    ["the shipped config", shippedConfig, []],
    // Its repository stack keeps remote state, so the repository stack's apply has a workflow.
    [
      "a config with two applications, other strategies, Slack and no deployment window",
      variantConfig,
      ["repository.yml"],
    ],
  ])("%s: zero errors and zero warnings in every file", (_, config, extra) => {
    // GIVEN
    const workflows = generatedWorkflows(config());
    const files = Object.fromEntries(Object.entries(workflows).map(([name, workflow]) => [name, workflow.yaml]));

    // WHEN
    const diagnostics = validateWithGitHub(files);

    // THEN
    expect(Object.keys(files).sort()).toEqual([
      "ci.yml",
      "deploy-development.yml",
      "deploy-production.yml",
      "deploy-staging.yml",
      "hotfix.yml",
      "plan-review-comment.yml",
      "plan-review.yml",
      "release.yml",
      ...extra,
      "rollback.yml",
      "secrets-audit.yml",
    ]);
    for (const name of Object.keys(files))
      expect({ file: name, diagnostics: diagnostics[name] }).toEqual({ file: name, diagnostics: [] });
    expect(diagnostics["(validator)"]).toEqual([]);
  });

  test("fails when a workflow is wrong: the validator sees an unknown key, an undeclared input and a bad cron across files", () => {
    // GIVEN: the shipped workflows, broken in three ways GitHub would reject
    const files = Object.fromEntries(
      Object.entries(generatedWorkflows(shippedConfig())).map(([name, workflow]) => [name, workflow.yaml]),
    );
    files["ci.yml"] = files["ci.yml"].replace("timeout-minutes: 15", "timeout-minutes: 15\n    runs-after: lint");
    files["hotfix.yml"] = files["hotfix.yml"].replace(
      "      versions: ${{ needs.ci.outputs.versions }}\n    secrets:",
      "      versions: ${{ needs.ci.outputs.versions }}\n      verison: 1.2.3\n    secrets:",
    );
    files["release.yml"] = files["release.yml"].replace(/cron: .*/, "cron: 0 8 * * 9");

    // WHEN
    const diagnostics = validateWithGitHub(files);

    // THEN
    const errors = (name: string) =>
      diagnostics[name].filter((diagnostic) => diagnostic.severity === 1).map((diagnostic) => diagnostic.message);
    expect(errors("ci.yml")).toContainEqual(expect.stringContaining("runs-after"));
    expect(errors("hotfix.yml")).toContainEqual(
      expect.stringContaining("verison is not defined in the referenced workflow"),
    );
    expect(errors("release.yml")).toContainEqual(expect.stringContaining("Invalid cron expression"));
  });
});
