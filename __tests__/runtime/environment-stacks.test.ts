import * as fs from "fs";
import * as path from "path";
import { Testing } from "cdktf";
import { ENVIRONMENT_NAMES } from "../../config/environments";
import { parseConfig } from "../../config/load";
import { Artifacts } from "../../constructs/artifacts";
import { EnvironmentStack } from "../../stacks/environment-stack";
import { containerNamed, labelsOf, resourcesOf, uploadedFile, type TerraformJson } from "./fixtures";

const config = parseConfig(
  JSON.parse(fs.readFileSync(path.join(__dirname, "..", "..", "pipeline.config.json"), "utf8")),
);

/** The shipped config's stack for one environment, synthesized. */
function synthEnvironment(environment: (typeof ENVIRONMENT_NAMES)[number]): {
  stack: EnvironmentStack;
  json: TerraformJson;
} {
  const stack = new EnvironmentStack(Testing.app(), { config, environment });
  return { stack, json: JSON.parse(Testing.synth(stack)) as TerraformJson };
}

const APPLICATION_CONTAINERS = {
  development: ["web-development-1"],
  staging: ["web-staging-blue", "web-staging-green"],
  production: ["web-production-stable", "web-production-canary"],
} as const;

describe.each(ENVIRONMENT_NAMES)("the %s stack's runtime", (environment) => {
  const { stack, json } = synthEnvironment(environment);

  it("writes the proxy's nginx.conf and routing template for review as runtime/<env>/<app>.*, as the routing container publishes them", () => {
    const artifacts = new Map(Artifacts.of(stack).entries());
    const runtimeFiles = [...artifacts.keys()].filter((file) => file.startsWith("runtime/"));
    expect(runtimeFiles).toEqual([
      `runtime/${environment}/web.nginx.conf`,
      `runtime/${environment}/web.routing.conf.tftpl`,
    ]);
    expect(artifacts.get(`runtime/${environment}/web.nginx.conf`)).toBe(
      uploadedFile(containerNamed(json, `web-${environment}-routing`), "/wtfb/check/nginx.conf"),
    );
    expect(artifacts.get(`runtime/${environment}/web.routing.conf.tftpl`)).toBe(
      `# Terraform template: the \${…} parts are filled in at apply time (container names, release variables).\n${uploadedFile(containerNamed(json, `web-${environment}-routing`), "/wtfb/check/routing.conf")}`,
    );
  });

  it("has the environment's Docker provider and network", () => {
    expect(json.provider!.docker).toEqual([
      expect.objectContaining({ host: config.environments[environment].runtime.dockerHost }),
    ]);
    expect(Object.values(resourcesOf(json, "docker_network")).map((network) => network.name)).toEqual([
      `wtfb-${environment}`,
    ]);
  });

  it("runs health-checked application containers labelled with version and commit, the version from a variable", () => {
    for (const name of APPLICATION_CONTAINERS[environment]) {
      const container = containerNamed(json, name);
      const labels = labelsOf(container);
      // the version's tag (without a digest it may carry)
      const versionVariable = /^\$\{element\(split\("@", var\.(web_[a-z_]*version)\), 0\)\}$/.exec(
        labels["wtfb.version"],
      )?.[1];
      expect(versionVariable).toBeDefined();
      expect(json.variable![versionVariable!]).toMatchObject({ type: "string", nullable: false });
      expect(labels["wtfb.commit"]).toContain(`var.${versionVariable}`);
      expect(labels["wtfb.environment"]).toBe(environment);
      expect(container).toMatchObject({
        wait: true,
        healthcheck: { test: ["CMD", "curl", "-fsS", "http://localhost:3000/healthz"] },
      });
      expect(container.depends_on).toEqual([expect.stringMatching(/^docker_container\.web(_[a-z]+)?_migrate$/)]);
    }
    expect(stack.services.map((service) => service.strategy.type)).toEqual([
      config.environments[environment].runtime.strategy.type,
    ]);
  });

  it("gives containers settings as values and secrets only as sensitive variable references, and bakes in no version", () => {
    // GIVEN the environment's settings and secrets
    const profile = config.environments[environment];
    const allowed = new Set([
      ...Object.entries(profile.settings).map(([key, value]) => `${key}=${value}`),
      ...profile.secrets.map((secret) => `${secret.name}=\${var.secret_${secret.name.toLowerCase()}}`),
    ]);
    const entries = Object.values(resourcesOf(json, "docker_container")).flatMap(
      (container) => (container.env as string[] | undefined) ?? [],
    );
    // THEN every entry is a setting, a secret reference, or the runtime's own WTFB_ variable
    for (const entry of entries) if (!entry.startsWith("WTFB_")) expect(allowed).toContain(entry);
    // and every setting and secret reaches the containers, the backup's database URL as a reference too
    expect(new Set(entries.filter((entry) => !entry.startsWith("WTFB_")))).toEqual(allowed);
    const databaseUrls = entries.filter((entry) => entry.startsWith("WTFB_DATABASE_URL="));
    expect(databaseUrls.length).toBeGreaterThan(0);
    for (const entry of databaseUrls) expect(entry).toBe("WTFB_DATABASE_URL=${var.secret_database_url}");
    for (const secret of profile.secrets)
      expect(json.variable![`secret_${secret.name.toLowerCase()}`]).toMatchObject({ sensitive: true });
    expect(JSON.stringify(json)).not.toMatch(/ghcr\.io\/wtfb\/web:[^$]/);
  });
});
