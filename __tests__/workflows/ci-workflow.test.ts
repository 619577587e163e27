import * as fs from "fs";
import * as path from "path";
import { ciRequiredChecks } from "../../constructs/workflows/ci-workflow";
import { shippedConfig, temporaryDirectory } from "../helpers";
import { variantConfig } from "./support/configs";
import { checkNames, generatedWorkflows, runScript, stepById, stepByName } from "./support/workflows";

describe("CI workflow", () => {
  const ci = generatedWorkflows(shippedConfig())["ci.yml"].parsed;

  test("runs on pull requests, on pushes to the default branch, and as a reusable workflow that outputs the built versions", () => {
    expect(ci.on.pull_request).toEqual({});
    expect(ci.on.push).toEqual({ branches: ["main"] });
    expect(ci.on.workflow_call.outputs.versions.value).toBe("${{ jobs.versions.outputs.versions }}");
    expect(ci.jobs.versions.outputs).toEqual({ versions: "${{ steps.versions.outputs.versions }}" });
    expect(Object.keys(ci.on.workflow_call.secrets)).toEqual(["REGISTRY_USERNAME", "REGISTRY_PASSWORD"]);
  });

  test("the SOP's build pipeline: install with a cache, lint and type check, tests, assets, then one package per application", () => {
    expect(Object.keys(ci.jobs)).toEqual(["lint", "test", "build", "package", "versions"]);
    for (const id of ["lint", "test", "build"]) {
      const steps = ci.jobs[id].steps;
      expect(steps[1].with).toMatchObject({ cache: "npm", "cache-dependency-path": "package-lock.json" });
      expect(steps[2]).toMatchObject({ name: "Install dependencies", run: "npm ci" });
    }
    expect(ci.jobs.lint.steps.slice(3).map((step: any) => step.run)).toEqual(["npm run lint", "npm run typecheck"]);
    expect(ci.jobs.test.steps.slice(3).map((step: any) => step.run)).toEqual(["npm test"]);
    expect(ci.jobs.build.steps.slice(3).map((step: any) => step.run)).toEqual(["npm run build"]);
    expect(ci.jobs.package.needs).toEqual(["lint", "test", "build"]);
    expect(ci.jobs.package.strategy).toEqual({
      "fail-fast": false,
      matrix: {
        include: [
          {
            application: "web",
            image: "ghcr.io/wtfb/web",
            context: ".",
            dockerfile: "Dockerfile",
            "package-json": "package.json",
          },
        ],
      },
    });
    expect(ci.jobs.versions.needs).toEqual(["package"]);
  });

  test("the names of the job runs are the required status checks, one source of truth", () => {
    expect(checkNames(ci)).toEqual(ciRequiredChecks(shippedConfig()));
    expect(checkNames(ci)).toEqual(["Lint and type check", "Unit tests", "Build production assets", "Package web"]);
    const variant = variantConfig();
    expect(checkNames(generatedWorkflows(variant)["ci.yml"].parsed)).toEqual(ciRequiredChecks(variant));
  });

  test("every matrix value a package run reads is in every matrix entry", () => {
    for (const config of [shippedConfig(), variantConfig()]) {
      const job = generatedWorkflows(config)["ci.yml"].parsed.jobs.package;
      const read = new Set(
        [...JSON.stringify(job.steps).matchAll(/\$\{\{ matrix\.([\w-]+) \}\}/g)].map((match) => match[1]),
      );
      expect(read.size).toBeGreaterThanOrEqual(5);
      for (const entry of job.strategy.matrix.include)
        expect(Object.keys(entry)).toEqual(expect.arrayContaining([...read]));
    }
  });

  test("with integration tests, assets and a second application, the pipeline grows with the config", () => {
    // GIVEN
    const variant = generatedWorkflows(variantConfig())["ci.yml"].parsed;

    // THEN
    expect(variant.jobs.test.name).toBe("Unit and integration tests");
    expect(variant.jobs.test.steps.slice(3).map((step: any) => step.run)).toEqual([
      "npm test",
      "npm run test:integration",
    ]);
    expect(stepByName(variant.jobs.build, /Upload the production assets/).with).toMatchObject({
      path: ".next\nservices/billing-api/dist",
      "if-no-files-found": "error",
    });
    const packages = variant.jobs.package;
    // Two registries: each run logs in to its application's.
    expect(packages.strategy.matrix.include).toEqual([
      {
        application: "web",
        image: "ghcr.io/wtfb/web",
        context: ".",
        dockerfile: "Dockerfile",
        "package-json": "package.json",
        registry: "ghcr.io",
      },
      {
        application: "billing-api",
        image: "registry.example:5000/wtfb/billing-api",
        context: "services/billing-api",
        dockerfile: "services/billing-api/Dockerfile.prod",
        "package-json": "services/billing-api/package.json",
        registry: "registry.example:5000",
      },
    ]);
    expect(stepById(packages, "image").with).toMatchObject({
      context: "${{ matrix.context }}",
      file: "${{ matrix.dockerfile }}",
      "cache-from": "type=gha,scope=${{ matrix.application }}",
    });
    expect(stepById(packages, "version").env).toMatchObject({
      PACKAGE_JSON: "${{ matrix.package-json }}",
      IMAGE: "${{ matrix.image }}",
    });
    expect(stepByName(packages, /Log in/)).toMatchObject({
      name: "Log in to ${{ matrix.registry || 'Docker Hub' }}",
      with: { registry: "${{ matrix.registry }}" },
    });
    expect(stepByName(ci.jobs.package, /Log in/).with.registry).toBe("ghcr.io");
    expect(JSON.parse(stepById(variant.jobs.versions, "versions").env.APPLICATIONS)).toEqual(["web", "billing-api"]);
  });

  test("pull requests build the image but never push it or log in", () => {
    const job = ci.jobs.package;
    expect(stepByName(job, /Log in/).if).toBe("github.event_name != 'pull_request'");
    expect(stepById(job, "image").with.push).toBe("${{ github.event_name != 'pull_request' }}");
    expect(stepById(job, "image").with.tags).toBe("${{ steps.version.outputs.tags }}");
    expect(stepById(job, "image").with.labels).toBe("${{ steps.version.outputs.labels }}");
  });

  describe("versioning (SOP §2.2), run with bash", () => {
    const script = stepById(ci.jobs.package, "version").run;
    const workspace = (version: string) => {
      const directory = temporaryDirectory("ci-version");
      fs.writeFileSync(path.join(directory, "package.json"), JSON.stringify({ name: "web", version }));
      return directory;
    };
    const env = (ref: string) => ({
      PACKAGE_JSON: "package.json",
      IMAGE: "ghcr.io/wtfb/web",
      RELEASE_TAG_PREFIX: "v",
      GITHUB_SHA: "abcdef1234567890abcdef1234567890abcdef12",
      GITHUB_REF: ref,
      GITHUB_SERVER_URL: "https://github.com",
      GITHUB_REPOSITORY: "wtfb/wtfb-app",
    });

    test("a branch build is tagged with SemVer plus commit, and sha-<commit>, never the bare version", () => {
      const result = runScript(script, { cwd: workspace("1.4.2"), env: env("refs/heads/main") });
      expect(result.status).toBe(0);
      expect(result.outputs.version).toBe("1.4.2-abcdef1");
      expect(result.outputs.tags.split("\n")).toEqual([
        "ghcr.io/wtfb/web:1.4.2-abcdef1",
        "ghcr.io/wtfb/web:sha-abcdef1",
      ]);
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
      expect(result.outputs.tags.split("\n")).toEqual([
        "ghcr.io/wtfb/web:1.4.2-abcdef1",
        "ghcr.io/wtfb/web:sha-abcdef1",
        "ghcr.io/wtfb/web:1.4.2",
      ]);
    });

    test("fails when the release tag and package.json disagree", () => {
      const result = runScript(script, { cwd: workspace("1.4.2"), env: env("refs/tags/v1.5.0") });
      expect(result.status).toBe(1);
      expect(result.stdout).toContain(
        "::error file=package.json::the release tag does not match the version in package.json",
      );
    });

    test("fails when package.json holds no SemVer version", () => {
      const result = runScript(script, { cwd: workspace("1.4"), env: env("refs/heads/main") });
      expect(result.status).toBe(1);
      expect(result.stdout).toContain("is not SemVer");
      expect(result.outputs).toEqual({});
    });
  });

  describe("the versions output, collected from the build records with bash and node as a runner would", () => {
    const variant = generatedWorkflows(variantConfig())["ci.yml"].parsed;
    const collect = stepById(variant.jobs.versions, "versions");
    const DIGEST = `sha256:${"3f".repeat(32)}`;
    const record = (application: string, version: string, digest: string | null = DIGEST, pushed = true) =>
      JSON.stringify({ application, version, commit: "abcdef1", tags: [], digest, pushed });
    /** Build records laid out as download-artifact leaves them: one directory per artifact. */
    const downloaded = (records: Record<string, string>) => {
      const directory = temporaryDirectory("ci-records");
      for (const [artifact, text] of Object.entries(records)) {
        fs.mkdirSync(path.join(directory, artifact), { recursive: true });
        fs.writeFileSync(path.join(directory, artifact, "build-info.json"), text);
      }
      return directory;
    };
    const run = (records: string) =>
      runScript(collect.run, {
        env: { RECORDS: records, APPLICATIONS: collect.env.APPLICATIONS, VERSION_PATTERN: collect.env.VERSION_PATTERN },
      });

    test("the download reads this run's build-* artifacts into the directory the script reads", () => {
      expect(variant.jobs.versions.steps[0].with).toEqual({ pattern: "build-*", path: collect.env.RECORDS });
      expect(stepByName(variant.jobs.package, /Upload the build record/).with.name).toBe(
        "build-${{ matrix.application }}",
      );
    });

    test("one image tag per application, in the config's order, as JSON", () => {
      const result = run(
        downloaded({
          "build-billing-api": record("billing-api", "2.0.1-abcdef1"),
          "build-web": record("web", "1.4.2-abcdef1"),
        }),
      );
      expect(result.status).toBe(0);
      expect(result.outputs.versions).toBe(`{"web":"1.4.2-abcdef1@${DIGEST}","billing-api":"2.0.1-abcdef1@${DIGEST}"}`);
    });

    test("each version carries the digest the build pushed, so deploys and rollbacks run exactly that image", () => {
      const other = `sha256:${"a0".repeat(32)}`;
      const result = run(
        downloaded({ "build-billing-api": record("billing-api", "2.0.1", other), "build-web": record("web", "1.4.2") }),
      );
      expect(result.status).toBe(0);
      expect(JSON.parse(result.outputs.versions)).toEqual({ web: `1.4.2@${DIGEST}`, "billing-api": `2.0.1@${other}` });
    });

    test("fails, naming it, when a pushed image's record has no digest, or one that is not sha256", () => {
      for (const digest of [null, "sha256:abc"]) {
        const result = run(
          downloaded({
            "build-web": record("web", "1.4.2", digest),
            "build-billing-api": record("billing-api", "2.0.1"),
          }),
        );
        expect(result.status).not.toBe(0);
        expect(result.stderr).toContain("the build record of web holds no sha256 digest of the pushed image");
        expect(result.outputs).toEqual({});
      }
    });

    test("a build that pushed nothing (a pull request's) gives its tag alone", () => {
      const result = run(
        downloaded({
          "build-web": record("web", "1.4.2", null, false),
          "build-billing-api": record("billing-api", "2.0.1", null, false),
        }),
      );
      expect(result.status).toBe(0);
      expect(JSON.parse(result.outputs.versions)).toEqual({ web: "1.4.2", "billing-api": "2.0.1" });
    });

    test("fails, naming it, when an application has no build record", () => {
      const result = run(downloaded({ "build-web": record("web", "1.4.2-abcdef1") }));
      expect(result.status).toBe(1);
      expect(result.stdout).toContain("::error::no build record for billing-api");
      expect(result.outputs).toEqual({});
    });

    test("fails on a record whose version is no image tag, so nothing unchecked reaches the deploy", () => {
      const result = run(
        downloaded({
          "build-web": record("web", '1.4.2"; rm -rf /'),
          "build-billing-api": record("billing-api", "2.0.1"),
        }),
      );
      expect(result.status).not.toBe(0);
      expect(result.stderr).toContain("the build record of web holds no image tag");
      expect(result.outputs).toEqual({});
    });

    test("a record directly under the directory (a single artifact) is read too; records of other applications are not", () => {
      const directory = downloaded({
        "build-billing-api": record("billing-api", "2.0.1"),
        "build-old-app": record("old-app", "0.1.0"),
      });
      fs.writeFileSync(path.join(directory, "build-info.json"), record("web", "1.4.2"));
      const result = run(directory);
      expect(result.status).toBe(0);
      expect(JSON.parse(result.outputs.versions)).toEqual({ web: `1.4.2@${DIGEST}`, "billing-api": `2.0.1@${DIGEST}` });
    });
  });

  test("pushes to a default branch that deploys continuously run CI through the deploy workflow instead, not twice", () => {
    const config = shippedConfig((raw) => {
      raw.environments.staging.branches = ["main"];
    });
    expect(generatedWorkflows(config)["ci.yml"].parsed.on.push).toBeUndefined();
  });
});
