/** `revert-migrations`: runs the down migration with the image being rolled back from. */
import { spawnSync } from "child_process";
import type { ApplicationConfig } from "../../config/types";
import { containerName, networkName } from "../../constructs/contract";
import { registryHost } from "../../constructs/workflows/steps";
import { saveRunState } from "../run-state";
import { CommandError, noteIssue, requireRunState, type Context } from "../command-context";

export async function revertMigrations(context: Context): Promise<void> {
  const { config, environment, env } = context;
  const state = requireRunState(env);
  const profile = config.environments[environment];
  for (const [name, run] of Object.entries(state.applications)) {
    const application = config.applications.find((candidate) => candidate.name === name) as ApplicationConfig;
    const command = application.database?.rollbackCommand;
    if (!command) continue;
    if (!run.previous || run.previous === run.version) {
      console.log(`${name}: ${run.version} is already serving; no migration to revert`);
      continue;
    }
    // The down migration lives in the image being left, so it runs before the known-good version returns.
    const image = `${application.image}:${run.previous}`;
    const dockerEnv = { ...env, DOCKER_HOST: profile.runtime.dockerHost };
    if (env.REGISTRY_USERNAME && env.REGISTRY_PASSWORD) {
      const login = spawnSync(
        "docker",
        [
          "login",
          ...[registryHost(application.image)].filter((host): host is string => host !== undefined),
          "--username",
          env.REGISTRY_USERNAME,
          "--password-stdin",
        ],
        { env: dockerEnv, input: env.REGISTRY_PASSWORD, stdio: ["pipe", "inherit", "inherit"] },
      );
      if (login.status !== 0) throw new CommandError(`docker login for ${application.image} failed`);
    }
    const environmentArgs = [
      ...Object.entries(profile.settings).flatMap(([key, value]) => ["--env", `${key}=${value}`]),
      // Secrets by name only: docker reads their values from this process's environment, never the command line.
      ...profile.secrets.flatMap((secret) => ["--env", secret.name]),
    ];
    const args = [
      "run",
      "--rm",
      "--name",
      containerName(name, environment, "migrate", "down"),
      "--network",
      networkName(environment),
      ...environmentArgs,
      image,
      ...command,
    ];
    console.log(`${name}: reverting the last migration with ${image} (${command.join(" ")})`);
    const result = spawnSync("docker", args, {
      env: dockerEnv,
      stdio: "inherit",
      timeout: (application.database?.migrationTimeoutSeconds ?? 600) * 1000,
    });
    if (result.status !== 0) {
      noteIssue(context, `the down migration of ${name} (${image}) failed`, state);
      saveRunState(state, env);
      throw new CommandError(`the down migration of ${name} failed; the database is as the migration left it`);
    }
  }
}
