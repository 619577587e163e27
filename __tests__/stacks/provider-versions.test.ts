import * as fs from "fs";
import * as path from "path";
import { App, TerraformStack, Testing } from "cdktf";
import { GithubProvider } from "@cdktf/provider-github/lib/provider";
import { DockerHost } from "../../constructs/runtime/docker-host";
import { GrafanaProvider } from "../../gen/providers/grafana/provider";
import { addPipelineStacks } from "../../stacks/pipeline";
import { PROVIDER_VERSIONS, pinProviderVersions } from "../../stacks/provider-versions";
import { synthesizePipeline } from "../../stacks/synthesize";
import { PROJECT_ROOT, readTree, shippedConfig, temporaryDirectory } from "../helpers";
import { REAL_PROVIDERS } from "../support/terraform";

/** An exact version: what Terraform then installs is the version the tests ran with, not the newest of a range. */
const EXACT_VERSION = /^\d+\.\d+\.\d+$/;

describe("provider versions", () => {
  test("every stack the app writes requires each of its providers at an exact version, the pinned one", () => {
    // GIVEN the shipped config, synthesized as `npm run synth` does
    const outdir = path.join(temporaryDirectory("versions"), "cdktf.out");
    synthesizePipeline({ config: shippedConfig(), outdir });
    const stacks = Object.entries(readTree(outdir)).filter(([file]) => file.endsWith("cdk.tf.json"));

    // THEN every required provider names an exact version, the one PROVIDER_VERSIONS holds
    expect(stacks.map(([file]) => file).sort()).toEqual(
      ["development", "production", "repository", "staging"].map((name) => path.join("stacks", name, "cdk.tf.json")),
    );
    for (const [file, text] of stacks) {
      const required: Record<string, { source: string; version: string }> =
        JSON.parse(text).terraform.required_providers;
      expect(Object.keys(required).length).toBeGreaterThan(0);
      for (const [name, requirement] of Object.entries(required)) {
        expect({ file, name, version: requirement.version }).toEqual({
          file,
          name,
          version: expect.stringMatching(EXACT_VERSION),
        });
        expect({ file, name, version: requirement.version }).toEqual({ file, name, version: PROVIDER_VERSIONS[name] });
      }
    }
  });

  test("an environment stack pins github, docker and grafana; the repository stack github", () => {
    const app = Testing.app();
    const { environments, repository } = addPipelineStacks(app, shippedConfig());
    const required = (stack: TerraformStack) => JSON.parse(Testing.synth(stack)).terraform.required_providers;
    expect(required(environments[2])).toEqual({
      github: { source: "integrations/github", version: "6.6.0" },
      docker: { source: "kreuzwerker/docker", version: "4.6.0" },
      grafana: { source: "grafana/grafana", version: "4.45.1" },
    });
    expect(required(repository)).toEqual({ github: { source: "integrations/github", version: "6.6.0" } });
  });

  test("pinProviderVersions pins a stack composed from the exported constructs, providers added before or after the call", () => {
    // GIVEN a user's stack: a provider before the call, two after
    const stack = new TerraformStack(new App({ outdir: temporaryDirectory("composed") }), "composed");
    new GithubProvider(stack, "github", { owner: "someone" });
    pinProviderVersions(stack);
    new DockerHost(stack, "host", { environmentName: "development" });
    new GrafanaProvider(stack, "grafana", { url: "https://grafana.example" });

    // THEN all three are pinned; without the call the bindings' own versions (one a range) would be written
    expect(JSON.parse(Testing.synth(stack)).terraform.required_providers).toEqual({
      github: { source: "integrations/github", version: "6.6.0" },
      docker: { source: "kreuzwerker/docker", version: "4.6.0" },
      grafana: { source: "grafana/grafana", version: "4.45.1" },
    });
    const unpinned = new TerraformStack(new App({ outdir: temporaryDirectory("unpinned") }), "unpinned");
    new DockerHost(unpinned, "host", { environmentName: "development" });
    expect(JSON.parse(Testing.synth(unpinned)).terraform.required_providers.docker.version).not.toBe("4.6.0");
  });

  test("the pins are the versions the harness builds, and the Grafana bindings' constraint", () => {
    expect(PROVIDER_VERSIONS.github).toBe(REAL_PROVIDERS.github.version);
    expect(PROVIDER_VERSIONS.docker).toBe(REAL_PROVIDERS.docker.version);
    const buildScript = fs.readFileSync(path.join(PROJECT_ROOT, "tools", "providers", "build.sh"), "utf8");
    expect(/^readonly GITHUB_VERSION=(.+)$/m.exec(buildScript)?.[1]).toBe(PROVIDER_VERSIONS.github);
    expect(/^readonly DOCKER_VERSION=(.+)$/m.exec(buildScript)?.[1]).toBe(PROVIDER_VERSIONS.docker);
    // cdktf.json is what `cdktf get` would generate the Grafana bindings with online.
    expect(JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, "cdktf.json"), "utf8")).terraformProviders).toEqual([
      `grafana/grafana@${PROVIDER_VERSIONS.grafana}`,
    ]);
    expect(
      fs.readFileSync(path.join(PROJECT_ROOT, "gen", "providers", "grafana", "provider", "index.ts"), "utf8"),
    ).toContain(`providerVersionConstraint: '${PROVIDER_VERSIONS.grafana}'`);
  });
});
