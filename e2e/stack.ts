/**
 * The stack the end-to-end runs apply: one environment's runtime, composed from the library's exported runtime
 * constructs exactly as the environment stack composes them (`dockerHostProps` and `serviceDeploymentProps` from the
 * resolved config), with nothing of GitHub or Grafana. The config is the shipped pipeline.config.json with the
 * application swapped for the locally built test application, the local Docker engine, and the local registry.
 */
import * as fs from "fs";
import * as path from "path";
import { App, LocalBackend, TerraformStack, TerraformVariable } from "cdktf";
import type { EnvironmentName } from "../config/environments";
import { parseConfig } from "../config/load";
import type { PipelineConfig } from "../config/types";
import type { Strategy } from "../config/runtime-schema";
import { Artifacts } from "../constructs/artifacts";
import { EnvironmentSecrets } from "../constructs/github/environment-secrets";
import { DockerHost } from "../constructs/runtime/docker-host";
import { dockerHostProps, serviceDeploymentProps } from "../constructs/runtime/from-config";
import { ServiceDeployment } from "../constructs/runtime/service-deployment";
import { APP_REPOSITORY, PROXY_REPOSITORY, REGISTRY, projectRoot } from "./images";

/** The test application's name: containers are `shop-<environment>-…`, never a name another suite uses. */
export const APPLICATION = "shop";

export interface E2eEnvironmentOptions {
  readonly environment: EnvironmentName;
  readonly strategy: Strategy;
  /** Port the proxy publishes on the host (the load goes to 127.0.0.1:<hostPort>). */
  readonly hostPort: number;
  /** Name of the test application (names its containers and volumes). @default APPLICATION */
  readonly application?: string;
  /** Tag of the proxy image (e2e/images.ts builds "1" and "2"). @default "1" */
  readonly proxyTag?: string;
}

/** The shipped config with the test application and one environment's runtime pointed at this machine. */
export function e2eConfig(options: E2eEnvironmentOptions): PipelineConfig {
  const raw = JSON.parse(fs.readFileSync(path.join(projectRoot(), "pipeline.config.json"), "utf8"));
  raw.applications = [
    {
      name: options.application ?? APPLICATION,
      description: "The e2e test application (e2e/app): version header, /healthz, /metrics",
      image: APP_REPOSITORY,
      containerPort: 3000,
      hostPort: options.hostPort,
      // Fast checks keep the bench short; the runtime waits start period + (retries + 1) × (interval + timeout).
      healthCheck: {
        command: ["/app", "healthcheck"],
        intervalSeconds: 1,
        timeoutSeconds: 1,
        retries: 3,
        startPeriodSeconds: 10,
      },
      memoryMb: 64,
      cpus: 0.5,
      stopGracePeriodSeconds: 10,
      database: {
        engine: "postgres",
        migrationCommand: ["/app", "migrate"],
        rollbackCommand: ["/app", "migrate"],
        migrationTimeoutSeconds: 60,
        // The backup runs in the application image (the stand-in has no database to pg_dump).
        backupCommand: ["/app", "backup"],
        backupsKept: 5,
      },
    },
  ];
  const profile = raw.environments[options.environment];
  profile.secrets = ["SESSION_SECRET"];
  profile.settings = { ...profile.settings, LOG_LEVEL: "info" };
  profile.runtime = {
    dockerHost: "unix:///var/run/docker.sock",
    strategy: options.strategy,
    proxyImage: `${PROXY_REPOSITORY}:${options.proxyTag ?? "1"}`,
  };
  // Probes of the shipped application's user flows name it; the test application has none.
  for (const environment of Object.values<any>(raw.environments)) delete environment.monitoring?.criticalFlowProbes;
  return parseConfig(raw, "e2e config");
}

/** A synthesized runtime stack, ready for `terraform init`. */
export interface SynthesizedRuntime {
  /** The stack's Terraform JSON. */
  readonly stack: Record<string, any>;
  /** The proxy's nginx.conf as synthesized (cdktf.out/runtime/<env>/<app>.nginx.conf). */
  readonly artifacts: ReadonlyArray<[string, string]>;
  /** Names of the release variables of the application under the environment's strategy. */
  readonly deployment: ServiceDeployment;
  /** The sensitive variables of the environment's secrets, by secret name. */
  readonly secretVariables: Readonly<Record<string, string>>;
}

/**
 * Synthesizes the runtime of one environment into `outdir` (cdktf's own synth: stacks/<env>/cdk.tf.json and the
 * runtime's review files). The state is local, in `stateFile`.
 */
export function synthRuntime(
  config: PipelineConfig,
  environment: EnvironmentName,
  outdir: string,
  stateFile: string,
): SynthesizedRuntime {
  const app = new App({ outdir, skipValidation: false });
  const stack = new TerraformStack(app, environment);
  new LocalBackend(stack, { path: stateFile });
  const profile = config.environments[environment];
  const host = new DockerHost(stack, "docker-host", dockerHostProps(config, profile));
  // The local registry speaks plain HTTP; the provider uses HTTPS for a registry address without a scheme
  // (its canonicalizeRegistryAddress), and DockerHost gives none. The one deviation from a user's stack.
  host.provider.addOverride("registry_auth.0.address", `http://${REGISTRY}`);
  const secrets = new RuntimeSecrets(
    stack,
    profile.secrets.map((secret) => secret.name),
  );
  const deployments = config.applications.map(
    (application) =>
      new ServiceDeployment(
        stack,
        `service-${application.name}`,
        serviceDeploymentProps(application, profile, host, secrets as unknown as EnvironmentSecrets),
      ),
  );
  app.synth();
  const artifacts = Artifacts.of(app).entries();
  for (const [file, content] of artifacts) {
    fs.mkdirSync(path.dirname(path.join(outdir, file)), { recursive: true });
    fs.writeFileSync(path.join(outdir, file), content);
  }
  const stackJson = JSON.parse(fs.readFileSync(path.join(outdir, "stacks", environment, "cdk.tf.json"), "utf8"));
  return { stack: stackJson, artifacts, deployment: deployments[0], secretVariables: secrets.variableNames };
}

/**
 * The environment's secrets as the runtime sees them: a sensitive variable per secret, named as EnvironmentSecrets
 * names it (`secret_<name>`). EnvironmentSecrets also writes the values into the GitHub environment, which needs the
 * GitHub provider and a repository; the runtime only reads `secretNames` and `valueOf`, which this mirrors.
 */
class RuntimeSecrets {
  public readonly variableNames: Record<string, string> = {};
  private readonly variables = new Map<string, TerraformVariable>();

  constructor(
    private readonly stack: TerraformStack,
    public readonly secretNames: readonly string[],
  ) {}

  public valueOf(name: string): string {
    if (!this.secretNames.includes(name)) throw new Error(`no secret named ${name}`);
    let variable = this.variables.get(name);
    if (!variable) {
      const variableName = EnvironmentSecrets.variableName(name);
      variable = new TerraformVariable(this.stack, variableName, { type: "string", sensitive: true, nullable: false });
      this.variables.set(name, variable);
      this.variableNames[name] = variableName;
    }
    return variable.stringValue;
  }
}
