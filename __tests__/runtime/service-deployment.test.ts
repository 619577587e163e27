import { Testing, TerraformStack } from "cdktf";
import stableStringify = require("json-stable-stringify");
import { DeploymentStrategy } from "../../constructs/runtime/deployment-strategy";
import { DockerHost } from "../../constructs/runtime/docker-host";
import { ServiceDeployment } from "../../constructs/runtime/service-deployment";
import type { DatabaseMigrationOptions } from "../../constructs/runtime/service-deployment";
import { containerNamed, dependencyOn, labelsOf, resourcesOf, synthDeployment, uploadedFile, type TerraformJson } from "./fixtures";

const DATABASE: DatabaseMigrationOptions = {
  migrationCommand: ["npm", "run", "db:migrate"],
  migrationTimeoutSeconds: 600,
};

/** Every `var.<name>` a resource refers to. */
function variablesReferencedBy(resource: unknown): string[] {
  return [...new Set([...JSON.stringify(resource).matchAll(/var\.([a-z0-9_]+)/g)].map((match) => match[1]))].sort();
}

/** The pinned image a container runs, and the registry lookup it is pinned by. */
function imagePinOf(json: TerraformJson, container: Record<string, unknown>): { imageName: string; lookupName: string } {
  const imageId = /^\$\{docker_image\.([^.]+\["[^"]+"\])\.image_id\}$/.exec(String(container.image));
  if (!imageId) throw new Error(`container ${String(container.name)} does not run a docker_image: ${String(container.image)}`);
  const imageName = String(resourcesOf(json, "docker_image")[imageId[1]].name);
  const digest = /@\$\{data\.docker_registry_image\.([^.]+\["[^"]+"\])\.sha256_digest\}$/.exec(imageName);
  if (!digest) throw new Error(`image ${imageName} is not pinned by a registry digest`);
  return { imageName, lookupName: String(json.data!.docker_registry_image[digest[1]].name) };
}

describe("ServiceDeployment with the blue-green strategy", () => {
  const { json, deployment } = synthDeployment({ strategy: DeploymentStrategy.blueGreen(), database: DATABASE });

  it("runs a blue and a green slot, each pinned by digest to its own version variable", () => {
    for (const slot of ["blue", "green"]) {
      // GIVEN the slot's container
      const container = containerNamed(json, `web-staging-${slot}`);
      // THEN its image is the registry digest of ghcr.io/wtfb/web:<its version variable>, never a synthesized tag
      expect(imagePinOf(json, container)).toEqual({
        imageName: expect.stringMatching(/^ghcr\.io\/wtfb\/web@\$\{data\.docker_registry_image\./),
        lookupName: `ghcr.io/wtfb/web:\${var.web_${slot}_version}`,
      });
      // AND changing the other slot's version cannot touch it
      expect(variablesReferencedBy(container).filter((name) => name.startsWith("web_"))).toEqual([`web_${slot}_version`]);
    }
    expect(deployment.releaseVariables).toEqual({ strategy: "blue-green", blueVersion: "web_blue_version", greenVersion: "web_green_version", activeSlot: "web_active_slot" });
  });

  it("labels every application container with version, commit (from the tag), environment and slot", () => {
    const labels = labelsOf(containerNamed(json, "web-staging-green"));
    expect(labels).toEqual({
      "wtfb.application": "web",
      "wtfb.environment": "staging",
      "wtfb.role": "app",
      "wtfb.slot": "green",
      "wtfb.version": "${var.web_green_version}",
      "wtfb.commit": '${try(element(regex("(?:^|-)([0-9a-f]{7,40})$", var.web_green_version), 0), "unknown")}',
      "wtfb.image-digest": expect.stringMatching(/^\$\{data\.docker_registry_image\.[^.]+\.sha256_digest\}$/),
    });
  });

  it("health-checks the slots and waits for healthy, with limits, restart policy and log rotation", () => {
    expect(containerNamed(json, "web-staging-blue")).toMatchObject({
      healthcheck: { test: ["CMD", "curl", "-fsS", "http://localhost:3000/healthz"], interval: "10s", timeout: "5s", retries: 3, start_period: "15s" },
      wait: true,
      wait_timeout: 75,
      restart: "unless-stopped",
      memory: 512,
      memory_swap: 512,
      cpus: "0.5",
      log_driver: "json-file",
      log_opts: { "max-size": "10m", "max-file": "5" },
      destroy_grace_seconds: 30,
    });
  });

  it("passes settings and secrets as environment, secrets only as sensitive variable references", () => {
    const container = containerNamed(json, "web-staging-blue");
    expect(container.env).toEqual(["NODE_ENV=production", "DATABASE_URL=${var.secret_database_url}", "SESSION_SECRET=${var.secret_session_secret}"]);
    expect(json.variable!.secret_database_url).toMatchObject({ sensitive: true });
  });

  it("routes all traffic to the active slot, and a switch changes only the routing container", () => {
    // GIVEN the proxy and the routing container
    const proxy = containerNamed(json, "web-staging-proxy");
    const routing = containerNamed(json, "web-staging-routing");
    // THEN the routing names the active slot variable, validated to blue or green
    expect(uploadedFile(routing, "/wtfb/check/routing/routing.conf")).toContain("default ${var.web_active_slot};");
    expect(json.variable!.web_active_slot).toMatchObject({ type: "string", validation: [{ condition: '${contains(["blue", "green"], var.web_active_slot)}' }] });
    // AND the proxy refers to no release variable, so switching never restarts it
    expect(variablesReferencedBy(proxy)).toEqual([]);
    // AND new routing is published only once both slots are healthy, before the proxy starts
    expect(routing.depends_on).toEqual([dependencyOn(json, "web-staging-blue"), dependencyOn(json, "web-staging-green")]);
    expect(proxy.depends_on).toEqual([dependencyOn(json, "web-staging-routing")]);
    expect(proxy.ports).toEqual([{ internal: 8080, external: 8080 }]);
  });

  it("backs up, then migrates, then starts each slot, one slot's migration after the other's", () => {
    expect(containerNamed(json, "web-staging-blue-migrate").depends_on).toEqual([dependencyOn(json, "web-staging-blue-backup")]);
    expect(containerNamed(json, "web-staging-blue").depends_on).toEqual([dependencyOn(json, "web-staging-blue-migrate")]);
    expect(containerNamed(json, "web-staging-green-backup").depends_on).toEqual([dependencyOn(json, "web-staging-blue-migrate")]);
    expect(containerNamed(json, "web-staging-green-migrate").depends_on).toEqual([dependencyOn(json, "web-staging-green-backup")]);
    expect(containerNamed(json, "web-staging-green").depends_on).toEqual([dependencyOn(json, "web-staging-green-migrate")]);
  });

  it("runs the migration in the slot's image with a timeout, as a one-off the apply waits for and fails on", () => {
    const migration = containerNamed(json, "web-staging-green-migrate");
    expect(migration.image).toBe(containerNamed(json, "web-staging-green").image);
    expect(migration).toMatchObject({
      command: ["timeout", "600", "npm", "run", "db:migrate"],
      must_run: false,
      attach: true,
      restart: "no",
      lifecycle: { postcondition: [{ condition: "${self.exit_code == 0}" }] },
    });
  });

  it("writes a timestamped backup of DATABASE_URL to a volume that survives a destroy", () => {
    const backup = containerNamed(json, "web-staging-blue-backup");
    expect(backup.env).toEqual(expect.arrayContaining(["WTFB_DATABASE_URL=${var.secret_database_url}", "WTFB_RELEASE_VERSION=${var.web_blue_version}", "WTFB_BACKUP_PREFIX=web-staging"]));
    // The timestamp is taken by the container when it runs, never at synth.
    expect((backup.entrypoint as string[])[2]).toContain("stamp=$(date -u +%Y%m%dT%H%M%SZ)");
    expect(backup.mounts).toEqual([{ type: "volume", source: expect.stringMatching(/^\$\{docker_volume\./), target: "/backups" }]);
    expect(Object.values(resourcesOf(json, "docker_volume")).filter((volume) => volume.name === "web-staging-backups")).toEqual([
      expect.objectContaining({ lifecycle: { prevent_destroy: true } }),
    ]);
    // A new build of the same tag re-runs the backup: its digest is part of the container.
    expect(labelsOf(backup)["wtfb.image-digest"]).toBe(labelsOf(containerNamed(json, "web-staging-blue"))["wtfb.image-digest"]);
  });

});

describe("ServiceDeployment with the canary strategy", () => {
  const { json } = synthDeployment({ strategy: DeploymentStrategy.canary(), database: DATABASE, environmentName: "production" });

  it("runs stable and canary slots, each with its own version, behind a proxy with the weight", () => {
    expect(variablesReferencedBy(containerNamed(json, "web-production-stable")).filter((name) => name.startsWith("web_"))).toEqual(["web_stable_version"]);
    expect(variablesReferencedBy(containerNamed(json, "web-production-canary")).filter((name) => name.startsWith("web_"))).toEqual(["web_canary_version"]);
    const routing = uploadedFile(containerNamed(json, "web-production-routing"), "/wtfb/check/routing/routing.conf");
    expect(routing).toContain('split_clients "$request_id" $wtfb_slot {');
    expect(routing).toContain('${(var.web_canary_weight >= 1) ? "${var.web_canary_weight}% canary;" : "# canary weight 0: no request goes to canary"}');
    expect(json.variable!.web_canary_weight).toMatchObject({
      type: "number",
      validation: [{ condition: "${var.web_canary_weight >= 0 && var.web_canary_weight <= 100 && floor(var.web_canary_weight) == var.web_canary_weight}" }],
    });
    expect(variablesReferencedBy(containerNamed(json, "web-production-proxy"))).toEqual([]);
  });

  it("backs up and migrates before each slot", () => {
    expect(containerNamed(json, "web-production-stable").depends_on).toEqual([dependencyOn(json, "web-production-stable-migrate")]);
    expect(containerNamed(json, "web-production-canary").depends_on).toEqual([dependencyOn(json, "web-production-canary-migrate")]);
    expect(containerNamed(json, "web-production-canary-migrate").depends_on).toEqual([dependencyOn(json, "web-production-canary-backup")]);
    expect(containerNamed(json, "web-production-canary-backup").depends_on).toEqual([dependencyOn(json, "web-production-stable-migrate")]);
  });
});

describe("ServiceDeployment with the rolling strategy", () => {
  const { json } = synthDeployment({ strategy: DeploymentStrategy.rolling({ replicas: 3 }), database: DATABASE, environmentName: "development" });

  it("chains the replicas: each is replaced only after the previous one is healthy, the first after the migration", () => {
    expect(containerNamed(json, "web-development-1").depends_on).toEqual([dependencyOn(json, "web-development-migrate")]);
    expect(containerNamed(json, "web-development-2").depends_on).toEqual([dependencyOn(json, "web-development-1")]);
    expect(containerNamed(json, "web-development-3").depends_on).toEqual([dependencyOn(json, "web-development-2")]);
    expect(containerNamed(json, "web-development-migrate").depends_on).toEqual([dependencyOn(json, "web-development-backup")]);
    for (const replica of [1, 2, 3]) expect(containerNamed(json, `web-development-${replica}`)).toMatchObject({ wait: true, healthcheck: { test: ["CMD", "curl", "-fsS", "http://localhost:3000/healthz"] } });
  });

  it("starts new replicas before removing old ones, under names made unique by a generation", () => {
    // GIVEN the generation every name of the release carries
    const generations = resourcesOf(json, "terraform_data");
    expect(Object.keys(generations)).toEqual(['rolling_generation["web"]']);
    expect(generations['rolling_generation["web"]'].triggers_replace).toMatchObject({
      image: '${docker_image.rolling["web"].image_id}',
      version: "${var.web_version}",
      environment: ["NODE_ENV=production", "DATABASE_URL=${var.secret_database_url}", "SESSION_SECRET=${var.secret_session_secret}"],
    });
    // THEN replicas and one-offs are created before their predecessors are destroyed, under generation names
    for (const name of ["web-development-1", "web-development-3", "web-development-backup", "web-development-migrate"]) {
      const container = containerNamed(json, name);
      expect(container.name).toBe(`${name}-\${substr(terraform_data.rolling_generation["web"].id, 0, 8)}`);
      expect(container.lifecycle).toMatchObject({ create_before_destroy: true });
    }
  });

  it("replaces the generation when a container setting changes, and only then", () => {
    // GIVEN the same deployment synthesized again, and once with another memory limit
    const fingerprintOf = (fixture: { json: TerraformJson }) => (resourcesOf(fixture.json, "terraform_data")['rolling_generation["web"]'].triggers_replace as Record<string, unknown>).spec;
    const again = synthDeployment({ strategy: DeploymentStrategy.rolling({ replicas: 3 }), database: DATABASE, environmentName: "development" });
    const moreMemory = synthDeployment({ strategy: DeploymentStrategy.rolling({ replicas: 3 }), database: DATABASE, environmentName: "development", memoryMb: 1024 });
    // THEN the fingerprint is stable across synths and follows the setting
    expect(fingerprintOf(again)).toBe(fingerprintOf({ json }));
    expect(fingerprintOf(moreMemory)).not.toBe(fingerprintOf({ json }));
  });

  it("pins all replicas to the one version variable and balances over their shared network name", () => {
    const replicas = [1, 2, 3].map((replica) => containerNamed(json, `web-development-${replica}`));
    expect(new Set(replicas.map((replica) => replica.image)).size).toBe(1);
    expect(imagePinOf(json, replicas[0]).lookupName).toBe("ghcr.io/wtfb/web:${var.web_version}");
    for (const replica of replicas) expect(replica.networks_advanced).toEqual([{ name: expect.any(String), aliases: ["web-development"] }]);
    expect(containerNamed(json, "web-development-routing").depends_on).toEqual([1, 2, 3].map((replica) => dependencyOn(json, `web-development-${replica}`)));
  });
});

describe("ServiceDeployment with scaleDownDuringMigration", () => {
  const { json } = synthDeployment({ strategy: DeploymentStrategy.rolling({ replicas: 2 }), database: { ...DATABASE, scaleDownDuringMigration: true }, environmentName: "development" });

  it("removes the replicas before the migration and re-creates them after it (SOP §4.2 steps 2 and 6)", () => {
    // Destroy-before-create with the replicas depending on the migration: Terraform stops them first.
    for (const name of ["web-development-1", "web-development-2", "web-development-migrate", "web-development-backup"]) {
      const container = containerNamed(json, name);
      expect(container.name).toBe(name);
      expect(container.lifecycle === undefined || !("create_before_destroy" in (container.lifecycle as object))).toBe(true);
    }
    expect(containerNamed(json, "web-development-1").depends_on).toEqual([dependencyOn(json, "web-development-migrate")]);
    expect(resourcesOf(json, "terraform_data")).toEqual({});
  });
});

describe("ServiceDeployment without a database", () => {
  const { json } = synthDeployment({ strategy: DeploymentStrategy.blueGreen() });

  it("has no backup, migration or backup volume, and the slots depend on nothing", () => {
    const names = Object.values(resourcesOf(json, "docker_container")).map((container) => container.name);
    expect(names.sort()).toEqual(["web-staging-blue", "web-staging-green", "web-staging-proxy", "web-staging-routing"]);
    expect(containerNamed(json, "web-staging-blue").depends_on).toBeUndefined();
    expect(Object.values(resourcesOf(json, "docker_volume")).map((volume) => volume.name)).toEqual(["web-staging-routing"]);
  });
});

describe("ServiceDeployment with a custom backup command", () => {
  const { json } = synthDeployment({ database: { ...DATABASE, backupCommand: ["npm", "run", "db:dump"] } });

  it("runs the backup command in the application image, with the application's environment", () => {
    const backup = containerNamed(json, "web-staging-blue-backup");
    expect(backup.image).toBe(containerNamed(json, "web-staging-blue").image);
    expect(backup.command).toEqual(["npm", "run", "db:dump"]);
    expect(backup.env).toEqual(expect.arrayContaining(["DATABASE_URL=${var.secret_database_url}", "WTFB_BACKUP_DIR=/backups"]));
  });
});

describe("DockerHost", () => {
  const { json } = synthDeployment();

  it("connects to the environment's host, logs in to the registry with sensitive variables, and owns the network", () => {
    expect(json.provider!.docker).toEqual([
      { host: "ssh://deploy@staging.wtfb.internal", registry_auth: [{ address: "ghcr.io", username: "${var.registry_username}", password: "${var.registry_password}" }] },
    ]);
    expect(json.variable!.registry_password).toMatchObject({ sensitive: true, nullable: false });
    expect(Object.values(resourcesOf(json, "docker_network")).map((network) => network.name)).toEqual(["wtfb-staging"]);
  });
});

describe("bad input", () => {
  it("fails when scaleDownDuringMigration is combined with blue-green", () => {
    expect(() => synthDeployment({ strategy: DeploymentStrategy.blueGreen(), database: { ...DATABASE, scaleDownDuringMigration: true } })).toThrow(
      /scaleDownDuringMigration needs the rolling strategy; blue-green keeps the previous release serving/,
    );
  });

  it("fails when the default backup's database URL secret is not declared", () => {
    expect(() => synthDeployment({ database: DATABASE, secrets: [{ name: "SESSION_SECRET" }] })).toThrow(/dumps the database at secret DATABASE_URL, which the environment does not declare/);
  });

  it("fails when the health check has no command", () => {
    expect(() => synthDeployment({ healthCheck: { command: [] } })).toThrow("ServiceDeployment web: healthCheck.command is empty; give the command that exits 0 when the application is healthy");
  });

  it("fails when a rolling deployment has fewer than 1 replica", () => {
    expect(() => DeploymentStrategy.rolling({ replicas: 0 })).toThrow("DeploymentStrategy.rolling: replicas is 0; use a whole number of at least 1");
  });

  it("fails when a canary weight is outside 0–100", () => {
    expect(() => DeploymentStrategy.canary({ steps: [5, 150] })).toThrow("DeploymentStrategy.canary: steps[1] is 150; a canary weight is a whole percentage from 0 to 100");
  });
});

describe("ServiceDeployments sharing a Docker host", () => {
  const API = { applicationName: "api", image: "ghcr.io/wtfb/api", strategy: DeploymentStrategy.blueGreen(), healthCheck: { command: ["./healthcheck"] }, containerPort: 8000 };
  const { raw, json, deployment } = synthDeployment({ database: DATABASE, others: [API] });

  it("share one resource per role, with an instance per application keyed by its name", () => {
    // THEN the containers are one resource per role, whatever the number of applications
    expect(Object.keys(raw.resource!.docker_container).sort()).toEqual(["blue", "blue_backup", "blue_migrate", "green", "green_backup", "green_migrate", "proxy", "routing"]);
    // AND each role has an instance for every application that needs it: only web has a database
    const keys = (role: string) => Object.keys(raw.resource!.docker_container[role].for_each as object);
    expect(keys("blue").sort()).toEqual(["api", "web"]);
    expect(keys("proxy").sort()).toEqual(["api", "web"]);
    expect(keys("blue_migrate")).toEqual(["web"]);
    // AND each instance is the application's own: its name, port and published host port
    expect(containerNamed(json, "api-staging-blue")).toMatchObject({ labels: expect.arrayContaining([{ label: "wtfb.application", value: "api" }]) });
    expect(uploadedFile(containerNamed(json, "api-staging-proxy"), "/etc/nginx/nginx.conf")).toContain("blue api-staging-blue:8000;");
    expect(containerNamed(json, "web-staging-proxy").ports).toEqual([{ internal: 8080, external: 8080 }]);
    expect(containerNamed(json, "api-staging-proxy").ports).toBeUndefined();
    expect(deployment.resourceAddresses).toEqual(expect.arrayContaining(['docker_container.blue["web"]', 'docker_container.blue_migrate["web"]', 'docker_volume.backups["web"]', 'docker_container.proxy["web"]']));
    expect(deployment.containerNames).toEqual(["web-staging-blue", "web-staging-green"]);
  });

  it("grow by map entries, not resources, as applications are added", () => {
    // GIVEN a third application
    const three = synthDeployment({ database: DATABASE, others: [API, { ...API, applicationName: "worker", image: "ghcr.io/wtfb/worker" }] });
    // THEN the stack has the same resources, and the new application has an instance of each role it needs
    const addresses = (document: TerraformJson) => Object.entries(document.resource!).flatMap(([type, blocks]) => Object.keys(blocks).map((name) => `${type}.${name}`)).sort();
    expect(addresses(three.raw)).toEqual(addresses(raw));
    expect(Object.keys(three.raw.resource!.docker_container.green.for_each as object).sort()).toEqual(["api", "web", "worker"]);
  });

  it("synthesize the same whatever order the applications are declared in", () => {
    const reversed = synthDeployment({ database: DATABASE, others: [API], othersFirst: true });
    // As the stack is written: every object's keys sorted (json-stable-stringify, or the bundle's writer of the same bytes).
    expect(stableStringify(reversed.raw.resource)).toBe(stableStringify(raw.resource));
    expect(reversed.raw.moved).toEqual(raw.moved);
  });

  it("move the state of a deployment of the layout before (a resource per application) to the new addresses", () => {
    // The addresses as the layout before synthesized them (552dd09): set ids, or hashed from the construct path.
    expect(raw.moved).toEqual(
      expect.arrayContaining([
        { from: "docker_container.web_blue", to: 'docker_container.blue["web"]' },
        { from: "docker_container.web_green_migrate", to: 'docker_container.green_migrate["web"]' },
        { from: "docker_container.web_proxy", to: 'docker_container.proxy["web"]' },
        { from: "docker_container.api_routing", to: 'docker_container.routing["api"]' },
        { from: "docker_image.service-web_blue_image_B04F5C9E", to: 'docker_image.blue["web"]' },
        { from: "docker_volume.service-web_backup-volume_2D728C55", to: 'docker_volume.backups["web"]' },
        { from: "docker_volume.service-web_proxy_routing-volume_786CF6A5", to: 'docker_volume.routing["web"]' },
      ]),
    );
    // AND every managed instance of the runtime is the target of exactly one move
    const targets = raw.moved!.map((move) => move.to).sort();
    expect(new Set(targets).size).toBe(targets.length);
    expect(targets).toEqual([...deployment.resourceAddresses, ...Object.keys(json.resource!.docker_container).filter((name) => name.endsWith('["api"]')).map((name) => `docker_container.${name}`), 'docker_image.blue["api"]', 'docker_image.green["api"]', 'docker_volume.routing["api"]'].filter((address) => !address.startsWith("data.")).sort());
  });

  it("fails when two applications on one host have the same name", () => {
    expect(() => synthDeployment({ others: [{ ...API, applicationName: "web" }] })).toThrow(
      "ServiceDeployment web: an application named web is already deployed on the staging Docker host; give each ServiceDeployment its own applicationName",
    );
  });
});

describe("Docker hosts in one stack", () => {
  const deploy = (hosts: ReadonlyArray<{ environmentName: string; addressPrefix?: string }>) => {
    const app = Testing.app();
    const stack = new TerraformStack(app, "regions");
    hosts.forEach(({ environmentName, addressPrefix }) => {
      const host = new DockerHost(stack, `host-${environmentName}`, { environmentName, addressPrefix });
      new ServiceDeployment(stack, `web-${environmentName}`, { host, applicationName: `web-${environmentName}`, image: "ghcr.io/wtfb/web", healthCheck: { command: ["true"] } });
    });
    return JSON.parse(Testing.synth(stack)) as TerraformJson;
  };

  it("keep their resources apart by each host's addressPrefix", () => {
    const json = deploy([{ environmentName: "eu" }, { environmentName: "us", addressPrefix: "us_" }]);
    expect(Object.keys(json.resource!.docker_container).sort()).toEqual(["proxy", "rolling_1", "routing", "us_proxy", "us_rolling_1", "us_routing"]);
    expect(Object.keys(json.resource!.docker_container.us_rolling_1.for_each as object)).toEqual(["web-us"]);
  });

  it("fail when two hosts of one stack have the same addressPrefix, or a prefix is not a name part", () => {
    expect(() => deploy([{ environmentName: "eu" }, { environmentName: "us" }])).toThrow('DockerHost: stack regions has two Docker hosts with addressPrefix ""; give each host of one stack its own addressPrefix');
    expect(() => deploy([{ environmentName: "eu", addressPrefix: "EU-" }])).toThrow('DockerHost eu: addressPrefix "EU-" must be lower-case letters, digits and _, starting with a letter and ending in _ (e.g. "eu_")');
  });
});
