import { Testing, TerraformStack } from "cdktf";
import { Container } from "@cdktf/provider-docker/lib/container";
import { Volume } from "@cdktf/provider-docker/lib/volume";
import { DeploymentStrategy } from "../../constructs/runtime/deployment-strategy";
import { DockerHost } from "../../constructs/runtime/docker-host";
import { ServiceDeployment } from "../../constructs/runtime/service-deployment";
import type { DatabaseMigrationOptions } from "../../constructs/runtime/service-deployment";
import {
  containerNamed,
  dependencyOn,
  labelsOf,
  resourcesOf,
  synthDeployment,
  uploadedFile,
  type TerraformJson,
} from "./fixtures";

const DATABASE: DatabaseMigrationOptions = {
  migrationCommand: ["npm", "run", "db:migrate"],
  migrationTimeoutSeconds: 600,
};

/** Every `var.<name>` a resource refers to. */
function variablesReferencedBy(resource: unknown): string[] {
  return [...new Set([...JSON.stringify(resource).matchAll(/var\.([a-z0-9_]+)/g)].map((match) => match[1]))].sort();
}

/** The digest a version variable's release runs: the version's own (`tag@sha256:…`), else its tag's registry lookup. */
function digestExpression(variable: string, lookup: string): string {
  return `\${try(element(regex("@(sha256:[0-9a-f]{64})$", var.${variable}), 0), data.docker_registry_image.${lookup}.sha256_digest)}`;
}

/** The pinned image a container runs, and the registry lookup it is pinned by. */
function imagePinOf(
  json: TerraformJson,
  container: Record<string, unknown>,
): { imageName: string; lookupName: string } {
  const imageId = /^\$\{docker_image\.([^.]+)\.image_id\}$/.exec(String(container.image));
  if (!imageId)
    throw new Error(`container ${String(container.name)} does not run a docker_image: ${String(container.image)}`);
  const imageName = String(resourcesOf(json, "docker_image")[imageId[1]].name);
  const digest =
    /@\$\{try\(element\(regex\("@\(sha256:\[0-9a-f\]\{64\}\)\$", var\.[a-z0-9_]+\), 0\), data\.docker_registry_image\.([^.]+)\.sha256_digest\)\}$/.exec(
      imageName,
    );
  if (!digest) throw new Error(`image ${imageName} is not pinned by the version's digest or a registry digest`);
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
        imageName: `ghcr.io/wtfb/web@${digestExpression(`web_${slot}_version`, `web_${slot}`)}`,
        lookupName: `ghcr.io/wtfb/web:\${var.web_${slot}_version}`,
      });
      // AND changing the other slot's version cannot touch it
      expect(variablesReferencedBy(container).filter((name) => name.startsWith("web_"))).toEqual([
        `web_${slot}_version`,
      ]);
    }
    expect(deployment.releaseVariables).toEqual({
      strategy: "blue-green",
      blueVersion: "web_blue_version",
      greenVersion: "web_green_version",
      activeSlot: "web_active_slot",
    });
  });

  it("runs the digest a version carries (tag@sha256:…, as CI records it), and accepts only a whole sha256 digest", () => {
    // GIVEN the version variable's validation, as Terraform checks it (RE2 reads this pattern as JavaScript does)
    const condition = String(
      (json.variable!.web_blue_version as { validation: Array<{ condition: string }> }).validation[0].condition,
    );
    const pattern = new RegExp(/regex\("([^"]+)"/.exec(condition)![1]);
    // THEN a tag, or a tag with its digest, passes; anything else fails before a plan
    expect(pattern.test("1.4.2-abc1234")).toBe(true);
    expect(pattern.test(`1.4.2-abc1234@sha256:${"3f".repeat(32)}`)).toBe(true);
    for (const bad of [
      "1.4.2@sha256:abc",
      `1.4.2@sha512:${"3f".repeat(32)}`,
      `1.4.2@sha256:${"3f".repeat(32)}x`,
      "1.4.2 x",
    ])
      expect(pattern.test(bad)).toBe(false);
    // AND the image, its label and any migration take the version's own digest first; the tag lookup only when it has none
    const container = containerNamed(json, "web-staging-blue");
    expect(imagePinOf(json, container).imageName).toBe(
      `ghcr.io/wtfb/web@${digestExpression("web_blue_version", "web_blue")}`,
    );
    expect(labelsOf(container)["wtfb.image-digest"]).toBe(digestExpression("web_blue_version", "web_blue"));
  });

  it("labels every application container with version, commit (from the tag), environment and slot", () => {
    const labels = labelsOf(containerNamed(json, "web-staging-green"));
    expect(labels).toEqual({
      "wtfb.application": "web",
      "wtfb.environment": "staging",
      "wtfb.role": "app",
      "wtfb.slot": "green",
      "wtfb.version": '${element(split("@", var.web_green_version), 0)}',
      "wtfb.commit":
        '${try(element(regex("(?:^|-)([0-9a-f]{7,40})$", element(split("@", var.web_green_version), 0)), 0), "unknown")}',
      "wtfb.image-digest": digestExpression("web_green_version", "web_green"),
    });
  });

  it("health-checks the slots and waits for healthy, with limits, restart policy and log rotation", () => {
    expect(containerNamed(json, "web-staging-blue")).toMatchObject({
      healthcheck: {
        test: ["CMD", "curl", "-fsS", "http://localhost:3000/healthz"],
        interval: "10s",
        timeout: "5s",
        retries: 3,
        start_period: "15s",
      },
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

  it("passes what the app needs to know of itself, settings and secrets as environment, secrets only as sensitive variable references", () => {
    const container = containerNamed(json, "web-staging-blue");
    expect(container.env).toEqual([
      "WTFB_APPLICATION=web",
      "WTFB_ENVIRONMENT=staging",
      'WTFB_VERSION=${element(split("@", var.web_blue_version), 0)}',
      "WTFB_SLOT=blue",
      "WTFB_PORT=3000",
      "NODE_ENV=production",
      "DATABASE_URL=${var.secret_database_url}",
      "SESSION_SECRET=${var.secret_session_secret}",
    ]);
    expect(json.variable!.secret_database_url).toMatchObject({ sensitive: true });
  });

  it("routes all traffic to the active slot's container, the other as fallback, and a switch changes only the routing container", () => {
    // GIVEN the proxy and the routing container
    const proxy = containerNamed(json, "web-staging-proxy");
    const routing = containerNamed(json, "web-staging-routing");
    // THEN the routing names the slots' containers, chosen by the active slot variable, validated to blue or green
    expect(uploadedFile(routing, "/wtfb/check/routing.conf")).toContain(
      'server ${(var.web_active_slot == "blue") ? docker_container.web_blue.name : docker_container.web_green.name}:3000 weight=1 max_fails=1 fail_timeout=1s;\n' +
        '    server ${(var.web_active_slot == "blue") ? docker_container.web_green.name : docker_container.web_blue.name}:3000 backup max_fails=1 fail_timeout=1s;',
    );
    expect(json.variable!.web_active_slot).toMatchObject({
      type: "string",
      validation: [{ condition: '${contains(["blue", "green"], var.web_active_slot)}' }],
    });
    // AND the proxy refers to no release variable, so switching never restarts it
    expect(variablesReferencedBy(proxy)).toEqual([]);
    // AND new routing is published only once both slots are healthy, before the proxy starts
    expect(routing.depends_on).toEqual([
      dependencyOn(json, "web-staging-blue"),
      dependencyOn(json, "web-staging-green"),
    ]);
    expect(proxy.depends_on).toEqual([dependencyOn(json, "web-staging-routing")]);
  });

  it("publishes the port from a container that only holds it, which each proxy joins, so a new proxy starts beside the old", () => {
    // GIVEN the port container and the proxy
    const port = containerNamed(json, "web-staging-port");
    const proxy = containerNamed(json, "web-staging-proxy");
    // THEN the port container publishes the host port on the environment network, moves waiting connections to the
    // proxy that stays when one closes its sockets, lets the router reuse local ports in TIME_WAIT, and is replaced
    // for nothing but another host port
    expect(port).toMatchObject({
      ports: [{ internal: 8080, external: 8080 }],
      networks_advanced: [{ name: expect.stringMatching(/^\$\{docker_network\..*\.name\}$/) }],
      sysctls: { "net.ipv4.tcp_migrate_req": "1", "net.ipv4.tcp_tw_reuse": "1" },
      lifecycle: {
        create_before_destroy: true,
        ignore_changes: "all",
        replace_triggered_by: ["terraform_data.web_port_generation"],
      },
    });
    expect(json.resource!.terraform_data.web_port_generation.triggers_replace).toEqual({
      hostPort: 8080,
      network: (port.networks_advanced as Array<{ name: string }>)[0].name,
    });
    // AND the proxy runs in its network, publishes nothing itself, and is replaced create-before-destroy under a new
    // generation whenever its image or edge configuration changes
    expect(proxy).toMatchObject({
      network_mode: "container:${docker_container.web_port.id}",
      lifecycle: { create_before_destroy: true },
    });
    expect(proxy.ports).toBeUndefined();
    expect(proxy.networks_advanced).toBeUndefined();
    expect(json.resource!.terraform_data.web_proxy_generation.triggers_replace).toEqual({
      image: proxy.image,
      port: "${docker_container.web_port.id}",
      // the edge configuration, the supervisor and its environment, as one hash
      fixed: expect.stringMatching(/^[0-9a-f]{16}$/),
    });
    // AND it is healthy only when its own two nginx run (the port's health path may be answered by the proxy it replaces)
    expect((proxy.healthcheck as { test: string[] }).test[1]).toMatch(
      /^kill -0 "\$\(cat \/tmp\/wtfb-edge.pid\)" && kill -0 "\$\(cat \/tmp\/wtfb-nginx.pid\)" && /,
    );
  });

  it("backs up, then migrates, then starts each slot, one slot's migration after the other's", () => {
    expect(containerNamed(json, "web-staging-blue-migrate").depends_on).toEqual([
      dependencyOn(json, "web-staging-blue-backup"),
    ]);
    expect(containerNamed(json, "web-staging-blue").depends_on).toEqual([
      dependencyOn(json, "web-staging-blue-migrate"),
    ]);
    expect(containerNamed(json, "web-staging-green-backup").depends_on).toEqual([
      dependencyOn(json, "web-staging-blue-migrate"),
    ]);
    expect(containerNamed(json, "web-staging-green-migrate").depends_on).toEqual([
      dependencyOn(json, "web-staging-green-backup"),
    ]);
    expect(containerNamed(json, "web-staging-green").depends_on).toEqual([
      dependencyOn(json, "web-staging-green-migrate"),
    ]);
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
    expect(backup.env).toEqual(
      expect.arrayContaining([
        "WTFB_DATABASE_URL=${var.secret_database_url}",
        'WTFB_RELEASE_VERSION=${element(split("@", var.web_blue_version), 0)}',
        "WTFB_BACKUP_PREFIX=web-staging",
      ]),
    );
    // The timestamp is taken by the container when it runs, never at synth.
    expect((backup.entrypoint as string[])[2]).toContain("stamp=$(date -u +%Y%m%dT%H%M%SZ)");
    expect(backup.mounts).toEqual([
      { type: "volume", source: expect.stringMatching(/^\$\{docker_volume\./), target: "/backups" },
    ]);
    expect(
      Object.values(resourcesOf(json, "docker_volume")).filter((volume) => volume.name === "web-staging-backups"),
    ).toEqual([expect.objectContaining({ lifecycle: { prevent_destroy: true } })]);
    // A new build of the same tag re-runs the backup: its digest is part of the container.
    expect(labelsOf(backup)["wtfb.image-digest"]).toBe(
      labelsOf(containerNamed(json, "web-staging-blue"))["wtfb.image-digest"],
    );
  });
});

describe("ServiceDeployment with the canary strategy", () => {
  const { json, synthesized } = synthDeployment({
    strategy: DeploymentStrategy.canary(),
    database: DATABASE,
    environmentName: "production",
  });

  it("runs stable and canary slots, each with its own version, behind a proxy with the weight", () => {
    expect(
      variablesReferencedBy(containerNamed(json, "web-production-stable")).filter((name) => name.startsWith("web_")),
    ).toEqual(["web_stable_version"]);
    expect(
      variablesReferencedBy(containerNamed(json, "web-production-canary")).filter((name) => name.startsWith("web_")),
    ).toEqual(["web_canary_version"]);
    const routing = uploadedFile(containerNamed(json, "web-production-routing"), "/wtfb/check/routing.conf");
    expect(routing).toContain(
      'split_clients $request_id $wtfb_upstream {\n${(var.web_canary_weight >= 1) ? "    ${var.web_canary_weight}% wtfb_canary;\\n" : ""}    * wtfb_stable;\n}\n',
    );
    expect(routing).toContain(
      "upstream wtfb_stable {\n    server ${docker_container.web_stable.name}:3000 weight=1 max_fails=1 fail_timeout=1s;\n    server ${docker_container.web_canary.name}:3000 backup max_fails=1 fail_timeout=1s;\n}\n",
    );
    expect(routing).toContain(
      "upstream wtfb_canary {\n    server ${docker_container.web_canary.name}:3000 weight=1 max_fails=1 fail_timeout=1s;\n    server ${docker_container.web_stable.name}:3000 backup max_fails=1 fail_timeout=1s;\n}\n",
    );
    expect(json.variable!.web_canary_weight).toMatchObject({
      type: "number",
      validation: [
        {
          condition:
            "${var.web_canary_weight >= 0 && var.web_canary_weight <= 100 && floor(var.web_canary_weight) == var.web_canary_weight}",
        },
      ],
    });
    expect(variablesReferencedBy(containerNamed(json, "web-production-proxy"))).toEqual([]);
  });

  it("replaces each slot create-before-destroy under a new generation's name, so no change stops a serving container first", () => {
    // GIVEN each slot's generation: replaced by a new version, image, setting or secret value
    for (const slot of ["stable", "canary"]) {
      expect(synthesized).toHaveResourceWithProperties(Container, {
        name: `web-production-${slot}-\${substr(terraform_data.web_${slot}_generation.id, 0, 8)}`,
        lifecycle: { create_before_destroy: true },
        wait: true,
      });
      expect(resourcesOf(json, "terraform_data")[`web_${slot}_generation`]).toMatchObject({
        lifecycle: { create_before_destroy: true },
        triggers_replace: {
          image: `\${docker_image.web_${slot}.image_id}`,
          version: `\${var.web_${slot}_version}`,
          environment: [
            "NODE_ENV=production",
            "DATABASE_URL=${var.secret_database_url}",
            "SESSION_SECRET=${var.secret_session_secret}",
          ],
        },
      });
    }
    // AND the routing names the containers, so it moves to the new ones only once they exist and are healthy
    expect(containerNamed(json, "web-production-routing").depends_on).toEqual([
      "docker_container.web_stable",
      "docker_container.web_canary",
    ]);
  });

  it("backs up and migrates before each slot", () => {
    expect(containerNamed(json, "web-production-stable").depends_on).toEqual([
      dependencyOn(json, "web-production-stable-migrate"),
    ]);
    expect(containerNamed(json, "web-production-canary").depends_on).toEqual([
      dependencyOn(json, "web-production-canary-migrate"),
    ]);
    expect(containerNamed(json, "web-production-canary-migrate").depends_on).toEqual([
      dependencyOn(json, "web-production-canary-backup"),
    ]);
    expect(containerNamed(json, "web-production-canary-backup").depends_on).toEqual([
      dependencyOn(json, "web-production-stable-migrate"),
    ]);
  });
});

describe("ServiceDeployment with the rolling strategy", () => {
  const { json } = synthDeployment({
    strategy: DeploymentStrategy.rolling({ replicas: 3 }),
    database: DATABASE,
    environmentName: "development",
  });

  it("chains the replicas: each is replaced only after the previous one is healthy, the first after the migration", () => {
    expect(containerNamed(json, "web-development-1").depends_on).toEqual([
      dependencyOn(json, "web-development-migrate"),
    ]);
    expect(containerNamed(json, "web-development-2").depends_on).toEqual([dependencyOn(json, "web-development-1")]);
    expect(containerNamed(json, "web-development-3").depends_on).toEqual([dependencyOn(json, "web-development-2")]);
    expect(containerNamed(json, "web-development-migrate").depends_on).toEqual([
      dependencyOn(json, "web-development-backup"),
    ]);
    for (const replica of [1, 2, 3])
      expect(containerNamed(json, `web-development-${replica}`)).toMatchObject({
        wait: true,
        healthcheck: { test: ["CMD", "curl", "-fsS", "http://localhost:3000/healthz"] },
      });
  });

  it("starts new replicas before removing old ones, under names made unique by a generation", () => {
    // GIVEN the generation every name of the release carries
    const generations = resourcesOf(json, "terraform_data");
    expect(Object.keys(generations).sort()).toEqual([
      "web_generation",
      "web_port_generation",
      "web_proxy_generation",
      "web_routing_generation",
    ]);
    expect(generations.web_generation.triggers_replace).toMatchObject({
      image: "${docker_image.web.image_id}",
      version: "${var.web_version}",
      environment: [
        "NODE_ENV=production",
        "DATABASE_URL=${var.secret_database_url}",
        "SESSION_SECRET=${var.secret_session_secret}",
      ],
    });
    // THEN replicas and one-offs are created before their predecessors are destroyed, under generation names
    for (const name of [
      "web-development-1",
      "web-development-3",
      "web-development-backup",
      "web-development-migrate",
    ]) {
      const container = containerNamed(json, name);
      expect(container.name).toBe(`${name}-\${substr(terraform_data.web_generation.id, 0, 8)}`);
      expect(container.lifecycle).toMatchObject({ create_before_destroy: true });
    }
  });

  it("replaces the generation when a container setting changes, and only then", () => {
    // GIVEN the same deployment synthesized again, and once with another memory limit
    const fingerprintOf = (fixture: { json: TerraformJson }) =>
      (resourcesOf(fixture.json, "terraform_data").web_generation.triggers_replace as Record<string, unknown>).spec;
    const again = synthDeployment({
      strategy: DeploymentStrategy.rolling({ replicas: 3 }),
      database: DATABASE,
      environmentName: "development",
    });
    const moreMemory = synthDeployment({
      strategy: DeploymentStrategy.rolling({ replicas: 3 }),
      database: DATABASE,
      environmentName: "development",
      memoryMb: 1024,
    });
    // THEN the fingerprint is stable across synths and follows the setting
    expect(fingerprintOf(again)).toBe(fingerprintOf({ json }));
    expect(fingerprintOf(moreMemory)).not.toBe(fingerprintOf({ json }));
  });

  it("pins all replicas to the one version variable and balances over their names, listed once they are healthy", () => {
    const replicas = [1, 2, 3].map((replica) => containerNamed(json, `web-development-${replica}`));
    expect(new Set(replicas.map((replica) => replica.image)).size).toBe(1);
    expect(imagePinOf(json, replicas[0]).lookupName).toBe("ghcr.io/wtfb/web:${var.web_version}");
    // No shared network alias: a replica gets traffic only once the routing lists it, which waits for it to be healthy.
    for (const replica of replicas) expect(replica.networks_advanced).toEqual([{ name: expect.any(String) }]);
    expect(uploadedFile(containerNamed(json, "web-development-routing"), "/wtfb/check/routing.conf")).toContain(
      [1, 2, 3]
        .map(
          (replica) => `    server \${docker_container.web_${replica}.name}:3000 weight=1 max_fails=1 fail_timeout=1s;`,
        )
        .join("\n"),
    );
    expect(containerNamed(json, "web-development-routing").depends_on).toEqual(
      [1, 2, 3].map((replica) => dependencyOn(json, `web-development-${replica}`)),
    );
  });
});

describe("ServiceDeployment with scaleDownDuringMigration", () => {
  const { json } = synthDeployment({
    strategy: DeploymentStrategy.rolling({ replicas: 2 }),
    database: { ...DATABASE, scaleDownDuringMigration: true },
    environmentName: "development",
  });

  it("removes the replicas before the migration and re-creates them after it (SOP §4.2 steps 2 and 6)", () => {
    // Destroy-before-create with the replicas depending on the migration: Terraform stops them first.
    for (const name of [
      "web-development-1",
      "web-development-2",
      "web-development-migrate",
      "web-development-backup",
    ]) {
      const container = containerNamed(json, name);
      expect(container.name).toBe(name);
      expect(container.lifecycle === undefined || !("create_before_destroy" in (container.lifecycle as object))).toBe(
        true,
      );
    }
    expect(containerNamed(json, "web-development-1").depends_on).toEqual([
      dependencyOn(json, "web-development-migrate"),
    ]);
    // AND nothing that depends on the replicas is create-before-destroy, which Terraform would extend to them: the
    // routing container and the proxy keep plain names and are replaced destroy-first
    for (const name of ["web-development-routing", "web-development-proxy", "web-development-port"]) {
      const container = containerNamed(json, name);
      expect(container.name).toBe(name);
      expect((container.lifecycle as Record<string, unknown> | undefined)?.create_before_destroy).toBeUndefined();
    }
    expect(resourcesOf(json, "terraform_data")).toEqual({
      web_port_generation: { triggers_replace: expect.objectContaining({ hostPort: 8080 }) },
    });
  });
});

describe("ServiceDeployment without a database", () => {
  const { json } = synthDeployment({ strategy: DeploymentStrategy.blueGreen() });

  it("has no backup, migration or backup volume, and the slots depend on nothing", () => {
    const names = Object.values(resourcesOf(json, "docker_container")).map((container) =>
      String(container.name).replace(
        /-\$\{substr\(terraform_data\.web_(blue|green|port|proxy|routing)_generation\.id, 0, 8\)\}$/,
        "-<generation>",
      ),
    );
    expect(names.sort()).toEqual([
      "web-staging-blue-<generation>",
      "web-staging-green-<generation>",
      "web-staging-port-<generation>",
      "web-staging-proxy-<generation>",
      "web-staging-routing-<generation>",
    ]);
    expect(containerNamed(json, "web-staging-blue").depends_on).toBeUndefined();
    expect(Object.values(resourcesOf(json, "docker_volume")).map((volume) => volume.name)).toEqual([
      "web-staging-routing",
    ]);
  });
});

describe("ServiceDeployment with a custom backup command", () => {
  const { json } = synthDeployment({ database: { ...DATABASE, backupCommand: ["npm", "run", "db:dump"] } });

  it("runs the backup command in the application image, with the application's environment", () => {
    const backup = containerNamed(json, "web-staging-blue-backup");
    expect(backup.image).toBe(containerNamed(json, "web-staging-blue").image);
    expect(backup.command).toEqual(["npm", "run", "db:dump"]);
    expect(backup.env).toEqual(
      expect.arrayContaining(["DATABASE_URL=${var.secret_database_url}", "WTFB_BACKUP_DIR=/backups"]),
    );
  });
});

describe("DockerHost", () => {
  const { json } = synthDeployment();

  it("connects to the environment's host, logs in to the registry with sensitive variables, and owns the network", () => {
    expect(json.provider!.docker).toEqual([
      {
        host: "ssh://deploy@staging.wtfb.internal",
        registry_auth: [
          { address: "ghcr.io", username: "${var.registry_username}", password: "${var.registry_password}" },
        ],
      },
    ]);
    expect(json.variable!.registry_password).toMatchObject({ sensitive: true, nullable: false });
    expect(Object.values(resourcesOf(json, "docker_network")).map((network) => network.name)).toEqual(["wtfb-staging"]);
  });
});

describe("bad input", () => {
  it("fails when scaleDownDuringMigration is combined with blue-green", () => {
    expect(() =>
      synthDeployment({
        strategy: DeploymentStrategy.blueGreen(),
        database: { ...DATABASE, scaleDownDuringMigration: true },
      }),
    ).toThrow(/scaleDownDuringMigration needs the rolling strategy; blue-green keeps the previous release serving/);
  });

  it("fails when the default backup's database URL secret is not declared", () => {
    expect(() => synthDeployment({ database: DATABASE, secrets: [{ name: "SESSION_SECRET" }] })).toThrow(
      /dumps the database at secret DATABASE_URL, which the environment does not declare/,
    );
  });

  it("fails when the health check has no command", () => {
    expect(() => synthDeployment({ healthCheck: { command: [] } })).toThrow(
      "ServiceDeployment web: healthCheck.command is empty; give the command that exits 0 when the application is healthy",
    );
  });

  it("fails when a rolling deployment has fewer than 1 replica", () => {
    expect(() => DeploymentStrategy.rolling({ replicas: 0 })).toThrow(
      "DeploymentStrategy.rolling: replicas is 0; use a whole number of at least 1",
    );
  });

  it("fails when a canary weight is outside 0–100", () => {
    expect(() => DeploymentStrategy.canary({ steps: [5, 150] })).toThrow(
      "DeploymentStrategy.canary: steps[1] is 150; a canary weight is a whole percentage from 0 to 100",
    );
  });
});

describe("ServiceDeployments sharing a Docker host", () => {
  const API = {
    applicationName: "api",
    image: "ghcr.io/wtfb/api",
    strategy: DeploymentStrategy.blueGreen(),
    healthCheck: { command: ["./healthcheck"] },
    containerPort: 8000,
  };
  const { json, deployment } = synthDeployment({ database: DATABASE, others: [API] });

  it("each own their resources, named after the application", () => {
    // THEN every container is a resource of its own, its Terraform name starting with its application's
    expect(Object.keys(json.resource!.docker_container).sort()).toEqual([
      "api_blue",
      "api_green",
      "api_port",
      "api_proxy",
      "api_routing",
      "web_blue",
      "web_blue_backup",
      "web_blue_migrate",
      "web_green",
      "web_green_backup",
      "web_green_migrate",
      "web_port",
      "web_proxy",
      "web_routing",
    ]);
    expect(Object.keys(json.resource!.docker_volume).sort()).toEqual(["api_routing", "web_backups", "web_routing"]);
    // AND each is the application's own: its name, port and published host port
    expect(containerNamed(json, "api-staging-blue")).toMatchObject({
      labels: expect.arrayContaining([{ label: "wtfb.application", value: "api" }]),
    });
    expect(uploadedFile(containerNamed(json, "api-staging-routing"), "/wtfb/check/routing.conf")).toContain(
      'server ${(var.api_active_slot == "blue") ? docker_container.api_blue.name : docker_container.api_green.name}:8000 weight=1',
    );
    expect(containerNamed(json, "web-staging-port").ports).toEqual([{ internal: 8080, external: 8080 }]);
    expect(containerNamed(json, "api-staging-port").ports).toBeUndefined();
  });

  it("order nothing of one application after another's, so one's failed health gate never holds up the other", () => {
    // GIVEN every reference and depends_on of every resource
    const ownerOf = (address: string) =>
      /^(?:docker_container|docker_volume|docker_image|terraform_data|data\.docker_registry_image)\.(web|api)_/.exec(
        address,
      )?.[1];
    for (const [type, resources] of Object.entries(json.resource!)) {
      for (const [name, body] of Object.entries(resources)) {
        const owner = ownerOf(`${type}.${name}`);
        if (!owner) continue;
        const text = JSON.stringify(body);
        const references = [...text.matchAll(/(?:data\.)?(?:docker_[a-z_]+|terraform_data)\.[A-Za-z0-9_-]+/g)].map(
          (match) => match[0],
        );
        // THEN each refers only to its own application's resources (or the host's network and shared images)
        for (const reference of references) expect([owner, undefined]).toContain(ownerOf(reference));
      }
    }
    expect(containerNamed(json, "api-staging-routing").depends_on).toEqual([
      "docker_container.api_blue",
      "docker_container.api_green",
    ]);
  });

  it("let a team reach its own resources (escape hatch) and test them with cdktf's matchers", () => {
    // GIVEN the deployment's containers, images and volumes
    expect(deployment.containers.map((container) => container.node.path.split("/").slice(1).join("/"))).toEqual([
      "service-web/blue/container-blue",
      "service-web/green/container-green",
    ]);
    expect(deployment.images).toHaveLength(2);
    expect(deployment.volumes.map((volume) => volume.friendlyUniqueId).sort()).toEqual(["web_backups", "web_routing"]);
    expect(deployment.proxy.proxy.friendlyUniqueId).toBe("web_proxy");
    // WHEN a team overrides one of them
    const synthesized = Testing.synthScope((scope) => {
      const host = new DockerHost(scope, "host", { environmentName: "staging" });
      const web = new ServiceDeployment(scope, "web", {
        host,
        applicationName: "web",
        image: "ghcr.io/wtfb/web",
        strategy: DeploymentStrategy.blueGreen(),
        healthCheck: { command: ["true"] },
      });
      web.containers[0].addOverride("shm_size", 256);
    });
    // THEN the synthesized container carries it, and only that one
    expect(synthesized).toHaveResourceWithProperties(Container, {
      name: "web-staging-blue-${substr(terraform_data.web_blue_generation.id, 0, 8)}",
      shm_size: 256,
    });
    expect(synthesized).not.toHaveResourceWithProperties(Container, {
      name: "web-staging-green-${substr(terraform_data.web_green_generation.id, 0, 8)}",
      shm_size: 256,
    });
    expect(synthesized).toHaveResourceWithProperties(Volume, { name: "web-staging-routing" });
  });

  it("fails when two applications on one host have the same name", () => {
    expect(() => synthDeployment({ others: [{ ...API, applicationName: "web" }] })).toThrow(
      "ServiceDeployment web: an application named web is already deployed on the staging Docker host; give each ServiceDeployment its own applicationName",
    );
  });

  it("fails when two applications' Terraform names would collide", () => {
    // web's blue slot and an application named web-blue both want web_blue_…
    expect(() =>
      synthDeployment({ others: [{ ...API, applicationName: "web-blue", strategy: DeploymentStrategy.rolling() }] }),
    ).toThrow(
      "ServiceDeployment web-blue: its Terraform name web_blue is already taken by the application web; rename one of them, or give each Docker host of one stack its own addressPrefix",
    );
  });
});

describe("Docker hosts in one stack", () => {
  const deploy = (
    hosts: ReadonlyArray<{ environmentName: string; addressPrefix?: string }>,
    applicationName?: string,
  ) => {
    const app = Testing.app();
    const stack = new TerraformStack(app, "regions");
    hosts.forEach(({ environmentName, addressPrefix }) => {
      const host = new DockerHost(stack, `host-${environmentName}`, { environmentName, addressPrefix });
      new ServiceDeployment(stack, `web-${environmentName}`, {
        host,
        applicationName: applicationName ?? `web-${environmentName}`,
        image: "ghcr.io/wtfb/web",
        healthCheck: { command: ["true"] },
      });
    });
    return JSON.parse(Testing.synth(stack)) as TerraformJson;
  };

  it("keep their resources apart by each host's addressPrefix", () => {
    const json = deploy([{ environmentName: "eu" }, { environmentName: "us", addressPrefix: "us_" }]);
    expect(Object.keys(json.resource!.docker_container).sort()).toEqual([
      "us_web_us_1",
      "us_web_us_port",
      "us_web_us_proxy",
      "us_web_us_routing",
      "web_eu_1",
      "web_eu_port",
      "web_eu_proxy",
      "web_eu_routing",
    ]);
  });

  it("fail when one application's names on two hosts collide, or a prefix is not a name part", () => {
    expect(() => deploy([{ environmentName: "eu" }, { environmentName: "us" }], "web")).toThrow(
      "ServiceDeployment web: its Terraform name web_proxy is already taken by web on another Docker host of this stack; rename one of them, or give each Docker host of one stack its own addressPrefix",
    );
    expect(() => deploy([{ environmentName: "eu", addressPrefix: "EU-" }])).toThrow(
      'DockerHost eu: addressPrefix "EU-" must be lower-case letters, digits and _, starting with a letter and ending in _ (e.g. "eu_")',
    );
  });
});
