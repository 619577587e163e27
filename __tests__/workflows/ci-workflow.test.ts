import * as fs from "fs";
import * as path from "path";
import { ciRequiredChecks } from "../../constructs/workflows/ci-workflow";
import { shippedConfig, temporaryDirectory } from "../helpers";
import { variantConfig } from "./support/configs";
import { generatedWorkflows, runScript, stepById, stepByName } from "./support/workflows";

describe("CI workflow", () => {
  const ci = generatedWorkflows(shippedConfig())["ci.yml"].parsed;

  test("runs on pull requests, on pushes to the default branch, and as a reusable workflow that outputs the built versions", () => {
    expect(ci.on.pull_request).toEqual({});
    expect(ci.on.push).toEqual({ branches: ["main"] });
    expect(ci.on.workflow_call.outputs.versions.value).toBe('{"web": "${{ jobs.package-web.outputs.version }}"}');
    expect(Object.keys(ci.on.workflow_call.secrets)).toEqual(["REGISTRY_USERNAME", "REGISTRY_PASSWORD"]);
  });

  test("the SOP's build pipeline: install with a cache, lint and type check, tests, assets, then one package per application", () => {
    expect(Object.keys(ci.jobs)).toEqual(["lint", "test", "build", "package-web"]);
    for (const id of ["lint", "test", "build"]) {
      const steps = ci.jobs[id].steps;
      expect(steps[1].with).toMatchObject({ cache: "npm", "cache-dependency-path": "package-lock.json" });
      expect(steps[2]).toMatchObject({ name: "Install dependencies", run: "npm ci" });
    }
    expect(ci.jobs.lint.steps.slice(3).map((step: any) => step.run)).toEqual(["npm run lint", "npm run typecheck"]);
    expect(ci.jobs.test.steps.slice(3).map((step: any) => step.run)).toEqual(["npm test"]);
    expect(ci.jobs.build.steps.slice(3).map((step: any) => step.run)).toEqual(["npm run build"]);
    expect(ci.jobs["package-web"].needs).toEqual(["lint", "test", "build"]);
  });

  test("job names are the required status checks, one source of truth", () => {
    const names = Object.values<any>(ci.jobs).map((job) => job.name);
    expect(names).toEqual(ciRequiredChecks(shippedConfig()));
    expect(names).toEqual(["Lint and type check", "Unit tests", "Build production assets", "Package web"]);
  });

  test("with integration tests, assets and a second application, the pipeline grows with the config", () => {
    // GIVEN
    const variant = generatedWorkflows(variantConfig())["ci.yml"].parsed;

    // THEN
    expect(variant.jobs.test.name).toBe("Unit and integration tests");
    expect(variant.jobs.test.steps.slice(3).map((step: any) => step.run)).toEqual(["npm test", "npm run test:integration"]);
    expect(stepByName(variant.jobs.build, /Upload the production assets/).with).toMatchObject({ path: ".next\nservices/billing-api/dist", "if-no-files-found": "error" });
    const api = variant.jobs["package-billing-api"];
    expect(stepById(api, "image").with).toMatchObject({ context: "services/billing-api", file: "services/billing-api/Dockerfile.prod" });
    expect(stepById(api, "version").env.PACKAGE_JSON).toBe("services/billing-api/package.json");
    expect(stepByName(api, /Log in/).with.registry).toBe("registry.example:5000");
    expect(variant.on.workflow_call.outputs.versions.value).toContain('"billing-api": "${{ jobs.package-billing-api.outputs.version }}"');
  });

  test("pull requests build the image but never push it or log in", () => {
    const job = ci.jobs["package-web"];
    expect(stepByName(job, /Log in/).if).toBe("github.event_name != 'pull_request'");
    expect(stepById(job, "image").with.push).toBe("${{ github.event_name != 'pull_request' }}");
    expect(stepById(job, "image").with.tags).toBe("${{ steps.version.outputs.tags }}");
    expect(stepById(job, "image").with.labels).toBe("${{ steps.version.outputs.labels }}");
  });

  describe("versioning (SOP §2.2), run with bash", () => {
    const script = stepById(ci.jobs["package-web"], "version").run;
    const workspace = (version: string) => {
      const directory = temporaryDirectory("ci-version");
      fs.writeFileSync(path.join(directory, "package.json"), JSON.stringify({ name: "web", version }));
      return directory;
    };
    const env = (ref: string) => ({ PACKAGE_JSON: "package.json", IMAGE: "ghcr.io/wtfb/web", RELEASE_TAG_PREFIX: "v", GITHUB_SHA: "abcdef1234567890abcdef1234567890abcdef12", GITHUB_REF: ref, GITHUB_SERVER_URL: "https://github.com", GITHUB_REPOSITORY: "wtfb/wtfb-app" });

    test("a branch build is tagged with SemVer plus commit, and sha-<commit>, never the bare version", () => {
      const result = runScript(script, { cwd: workspace("1.4.2"), env: env("refs/heads/main") });
      expect(result.status).toBe(0);
      expect(result.outputs.version).toBe("1.4.2-abcdef1");
      expect(result.outputs.tags.split("\n")).toEqual(["ghcr.io/wtfb/web:1.4.2-abcdef1", "ghcr.io/wtfb/web:sha-abcdef1"]);
      const labels = Object.fromEntries(result.outputs.labels.split("\n").map((line) => line.split("=")));
      expect(labels["org.opencontainers.image.version"]).toBe("1.4.2");
      expect(labels["org.opencontainers.image.revision"]).toBe("abcdef1234567890abcdef1234567890abcdef12");
      expect(labels["org.opencontainers.image.created"]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
      expect(labels["org.opencontainers.image.created"]).toBe(result.outputs.created);
    });

    test("a release tag build also gets the bare version, and deploys it", () => {
      const result = runScript(script, { cwd: workspace("1.4.2"), env: env("refs/tags/v1.4.2") });
      expect(result.status).toBe(0);
      expect(result.outputs.version).toBe("1.4.2");
      expect(result.outputs.tags.split("\n")).toEqual(["ghcr.io/wtfb/web:1.4.2-abcdef1", "ghcr.io/wtfb/web:sha-abcdef1", "ghcr.io/wtfb/web:1.4.2"]);
    });

    test("fails when the release tag and package.json disagree", () => {
      const result = runScript(script, { cwd: workspace("1.4.2"), env: env("refs/tags/v1.5.0") });
      expect(result.status).toBe(1);
      expect(result.stdout).toContain("::error file=package.json::the release tag does not match the version in package.json");
    });

    test("fails when package.json holds no SemVer version", () => {
      const result = runScript(script, { cwd: workspace("1.4"), env: env("refs/heads/main") });
      expect(result.status).toBe(1);
      expect(result.stdout).toContain("is not SemVer");
      expect(result.outputs).toEqual({});
    });
  });

  test("pushes to a default branch that deploys continuously run CI through the deploy workflow instead, not twice", () => {
    const config = shippedConfig((raw) => {
      raw.environments.staging.branches = ["main"];
    });
    expect(generatedWorkflows(config)["ci.yml"].parsed.on.push).toBeUndefined();
  });
});
