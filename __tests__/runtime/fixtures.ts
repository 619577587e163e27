/** Test fixtures: a stack with one environment's Docker host and one ServiceDeployment, synthesized to JSON. */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Testing, TerraformStack } from "cdktf";
import { GithubProvider } from "@cdktf/provider-github/lib/provider";
import { DeploymentEnvironment } from "../../constructs/github/deployment-environment";
import { EnvironmentSecrets, type SecretSpec } from "../../constructs/github/environment-secrets";
import { DeploymentStrategy } from "../../constructs/runtime/deployment-strategy";
import { DockerHost } from "../../constructs/runtime/docker-host";
import { ServiceDeployment, type ServiceDeploymentProps } from "../../constructs/runtime/service-deployment";

/** A synthesized Terraform JSON document. */
export type TerraformJson = {
  provider?: Record<string, Array<Record<string, unknown>>>;
  variable?: Record<string, Record<string, unknown>>;
  data?: Record<string, Record<string, Record<string, unknown>>>;
  resource?: Record<string, Record<string, Record<string, unknown>>>;
};

export interface DeploymentFixture {
  readonly stack: TerraformStack;
  readonly deployment: ServiceDeployment;
  /** Testing.synth output, for toHaveResourceWithProperties. */
  readonly synthesized: string;
  /** The synthesized document. */
  readonly json: TerraformJson;
}

export type FixtureOptions = Partial<Omit<ServiceDeploymentProps, "host" | "secrets">> & {
  readonly environmentName?: string;
  readonly secrets?: readonly SecretSpec[];
  /** More applications on the same host, deployed after web (or before it, with `first`). */
  readonly others?: ReadonlyArray<Omit<ServiceDeploymentProps, "host" | "secrets">>;
  readonly othersFirst?: boolean;
};

/** The web application of the shipped config, deployed with a given strategy. */
export function synthDeployment(options: FixtureOptions = {}): DeploymentFixture {
  const app = Testing.app();
  const stack = new TerraformStack(app, "test");
  const environmentName = options.environmentName ?? "staging";
  new GithubProvider(stack, "github", { owner: "wtfb" });
  const environment = new DeploymentEnvironment(stack, "environment", { repository: "wtfb-app", environmentName });
  const secrets = new EnvironmentSecrets(stack, "secrets", {
    environment,
    secrets: options.secrets ?? [{ name: "DATABASE_URL" }, { name: "SESSION_SECRET" }],
  });
  const host = new DockerHost(stack, "docker-host", {
    environmentName,
    host: "ssh://deploy@staging.wtfb.internal",
    registryAddresses: ["ghcr.io"],
  });
  const { environmentName: _environmentName, secrets: _secrets, others = [], othersFirst = false, ...props } = options;
  const deployOthers = () =>
    others.forEach((other, index) => new ServiceDeployment(stack, `other-${index}`, { ...other, host, secrets }));
  if (othersFirst) deployOthers();
  const deployment = new ServiceDeployment(stack, "service-web", {
    applicationName: "web",
    image: "ghcr.io/wtfb/web",
    strategy: DeploymentStrategy.blueGreen(),
    healthCheck: { command: ["curl", "-fsS", "http://localhost:3000/healthz"] },
    hostPort: 8080,
    settings: { NODE_ENV: "production" },
    ...props,
    host,
    secrets,
  });
  if (!othersFirst) deployOthers();
  const synthesized = Testing.synth(stack);
  return { stack, deployment, synthesized, json: JSON.parse(synthesized) as TerraformJson };
}

/** Every resource of a type, by logical id. */
export function resourcesOf(json: TerraformJson, type: string): Record<string, Record<string, unknown>> {
  return json.resource?.[type] ?? {};
}

/** The container named exactly `name` (or, for generation-suffixed names, starting with `name-`). */
export function containerNamed(json: TerraformJson, name: string): Record<string, unknown> & { logicalId: string } {
  const matches = Object.entries(resourcesOf(json, "docker_container")).filter(([, container]) => {
    const actual = String(container.name);
    return (
      actual === name ||
      (actual.startsWith(`${name}-`) && actual.slice(name.length + 1).startsWith("${substr(terraform_data."))
    );
  });
  if (matches.length !== 1)
    throw new Error(
      `expected one container named ${name}, found ${matches.length}: ${Object.values(
        resourcesOf(json, "docker_container"),
      )
        .map((c) => c.name)
        .join(", ")}`,
    );
  return { ...matches[0][1], logicalId: matches[0][0] };
}

/** `docker_container.<logical id>` of a container, as depends_on lists it. */
export function dependencyOn(json: TerraformJson, name: string): string {
  return `docker_container.${containerNamed(json, name).logicalId}`;
}

/** Labels of a container as a record. */
export function labelsOf(container: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(
    (container.labels as Array<{ label: string; value: string }>).map(({ label, value }) => [label, value]),
  );
}

/** Content of an uploaded file of a container. */
export function uploadedFile(container: Record<string, unknown>, file: string): string {
  const upload = (container.upload as Array<{ file: string; content: string }> | undefined)?.find(
    (entry) => entry.file === file,
  );
  if (!upload) throw new Error(`container ${String(container.name)} uploads no ${file}`);
  return upload.content;
}

/** The nginx binary the suite checks configs with, when installed (.ci/run installs Debian's nginx-light). */
export const NGINX = ["/usr/sbin/nginx", "/usr/bin/nginx"].find((candidate) => fs.existsSync(candidate));

/** Runs the real `nginx -t` on a main config and its routing file, laid out as in the proxy container. */
export function nginxTest(mainConfig: string, routingConfig: string): { ok: boolean; output: string } {
  if (!NGINX) throw new Error("nginx is not installed");
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), "wtfb-nginx-"));
  try {
    fs.writeFileSync(path.join(directory, "nginx.conf"), mainConfig);
    fs.writeFileSync(path.join(directory, "routing.conf"), routingConfig);
    // The config logs to /dev/stderr, which cannot be opened on the socket Node's pipes use; give nginx a file.
    const log = path.join(directory, "nginx-t.log");
    const fd = fs.openSync(log, "w");
    let status: number | null;
    try {
      status = spawnSync(NGINX, ["-t", "-c", path.join(directory, "nginx.conf"), "-p", `${directory}/`], {
        stdio: ["ignore", fd, fd],
      }).status;
    } finally {
      fs.closeSync(fd);
    }
    return { ok: status === 0, output: fs.readFileSync(log, "utf8") };
  } finally {
    fs.rmSync(directory, { recursive: true, force: true });
  }
}
