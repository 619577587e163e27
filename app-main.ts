/**
 * The CDKTF app (`npm run synth`, `cdktf synth`, `cdktf deploy <stack>`): validates the config before any
 * construct exists, then synthesizes every stack atomically. `main.ts` runs it once per process.
 */
import { ConfigError } from "./config/errors";
import { loadConfig } from "./config/load";
import { synthesizePipeline } from "./stacks/synthesize";

/** Loads the config from the working directory and synthesizes every stack; returns the exit code. */
export function runApp(): number {
  let loaded;
  try {
    loaded = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      console.error("Nothing was synthesized; the previous output is unchanged.");
      return 1;
    }
    throw error;
  }
  const outdir = process.env.CDKTF_OUTDIR ?? "cdktf.out";
  try {
    const result = synthesizePipeline({ config: loaded.config, outdir });
    // The cdktf CLI shows everything the app writes to stderr as an error; it prints the stacks' warning annotations
    // (the same warnings) as warnings itself.
    if (!underCdktfCli()) for (const warning of result.warnings) console.error(`warning: ${warning}`);
    console.log(`Synthesized ${result.stacks.join(", ")} and ${result.artifacts.length} artifact(s) into ${outdir}`);
    return 0;
  } catch (error) {
    console.error(`synth failed: ${(error as Error).message}`);
    console.error("The previous output is unchanged.");
    return 1;
  }
}

/** Whether the cdktf CLI (`cdktf synth`, `cdktf deploy`) runs the app: it sets this for every app it synthesizes. */
function underCdktfCli(): boolean {
  return process.env.CDKTF_CONTINUE_SYNTH_ON_ERROR_ANNOTATIONS === "true";
}
