/**
 * The commands the generated deploy and rollback jobs run, from the wtfb-deploy checkout in the application
 * repository (`node dist/cli/main.js <command>`), one file per command in `commands/`. Every environment-specific value comes from
 * the same pipeline config the stacks are synthesized from; secrets arrive as environment variables of the step.
 *
 *   begin deployment|rollback   resolve what moves, from inputs, the CI build and the release state
 *   check-window                refuse a deployment outside the deployment window unless EMERGENCY=true
 *   announce start|end          Grafana annotation region, Slack, job summary
 *   apply deploy|switch|promote|rollback   cdktf deploy <env> with the release variables of that step
 *   raise-canary                raise the canary's weight step by step while its health holds
 *   smoke                       the environment's smoke tests
 *   verify --minutes N          watch the environment's alert rules in Prometheus
 *   record-known-good           remember the verified versions for the rollback workflow
 *   revert-migrations           run the down migration with the image being rolled back from
 *   record                      the deployment record: JSON log, deployment status, Pushgateway, summary
 */
import { isEnvironmentName } from "../config/environments";
import { ConfigError } from "../config/errors";
import { loadConfig } from "../config/load";
import { loadRunState } from "./run-state";
import { CommandError, oneLine, option, type Context } from "./command-context";
import { begin } from "./commands/begin";
import { checkWindow } from "./commands/check-window";
import { announce } from "./commands/announce";
import { apply } from "./commands/apply";
import { raiseCanary } from "./commands/raise-canary";
import { smoke } from "./commands/smoke";
import { verify } from "./commands/verify";
import { recordKnownGood } from "./commands/record-known-good";
import { revertMigrations } from "./commands/revert-migrations";
import { record } from "./commands/record";

async function main(argv: string[], env: NodeJS.ProcessEnv): Promise<void> {
  const [command, ...args] = argv;
  const environment = env.WTFB_ENVIRONMENT ?? "";
  if (!isEnvironmentName(environment))
    throw new CommandError("WTFB_ENVIRONMENT must be development, staging or production");
  const context: Context = { config: loadConfig({ env, loadDotEnv: false }).config, environment, env };
  const skipped = command === "begin" || command === "record" ? undefined : loadRunState(env)?.skipped;
  if (skipped !== undefined) {
    console.log(`nothing to do: ${skipped}`);
    return;
  }
  switch (command) {
    case "begin":
      return begin(context, args[0]);
    case "check-window":
      return checkWindow(context);
    case "announce":
      return announce(context, args[0]);
    case "apply":
      return apply(context, args[0]);
    case "raise-canary":
      return raiseCanary(context);
    case "smoke":
      return smoke(context);
    case "verify":
      return verify(context, Number(option(args, "--minutes")));
    case "record-known-good":
      return recordKnownGood(context);
    case "revert-migrations":
      return revertMigrations(context);
    case "record":
      return record(context);
    default:
      throw new CommandError(`unknown command ${JSON.stringify(command ?? "")}; see the header of cli/main.ts`);
  }
}

if (require.main === module) {
  main(process.argv.slice(2), process.env).catch((error: Error) => {
    console.log(`::error::${oneLine(error.message)}`);
    if (!(error instanceof CommandError) && !(error instanceof ConfigError)) console.error(error.stack);
    process.exitCode = 1;
  });
}
