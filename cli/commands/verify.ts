/** `verify --minutes N`: watches the environment's alert rules in Prometheus. */
import { CommandError, requireRunState, type Context, watchOrFail } from "../command-context";

export async function verify(context: Context, minutes: number): Promise<void> {
  if (!Number.isInteger(minutes) || minutes < 0) throw new CommandError("verify needs --minutes <whole number>");
  await watchOrFail(context, requireRunState(context.env), minutes, undefined);
}
