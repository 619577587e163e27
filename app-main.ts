/**
 * The CDKTF app (`npm run synth`, `cdktf synth`, `cdktf deploy <stack>`): validates the config before any
 * construct exists, then synthesizes every stack atomically. `app.ts` runs it once per process; `snapshot.ts`
 * runs it from a V8 startup snapshot.
 */
import { z } from "zod";
import { ConfigError } from "./config/errors";
import { loadConfig } from "./config/load";
import { installFastResolve } from "./stacks/private/fast-resolve";
import { installSinglePassSynth } from "./stacks/private/single-pass-synth";
import { synthesizePipeline } from "./stacks/synthesize";

/**
 * cdktf records a full stack trace for every token and computed list it creates (over a fifth of synth time for
 * large configs), only to quote it in a few of its own error messages. The app does not need them: it reports
 * config problems before any construct exists. Library users are unaffected; this runs only in the app.
 */
function skipTokenCreationStacks(): void {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const stackTrace = require("cdktf/lib/tokens/private/stack-trace") as { captureStackTrace?: () => string[] };
    if (typeof stackTrace.captureStackTrace === "function") stackTrace.captureStackTrace = () => [];
  } catch {
    // A cdktf without that module: keep its default behaviour.
  }
}

/** What the app changes in the libraries before synthesizing; idempotent. */
export function prepareApp(): void {
  skipTokenCreationStacks();
  installFastResolve();
  installSinglePassSynth();
  // One parse per run: zod's JIT (compiling a parser with new Function) costs more than it saves here.
  z.config({ jitless: true });
}

/** Loads the config from the working directory and synthesizes every stack; returns the exit code. */
export function runApp(): number {
  prepareApp();
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
    for (const warning of result.warnings) console.error(`warning: ${warning}`);
    console.log(`Synthesized ${result.stacks.join(", ")} and ${result.artifacts.length} artifact(s) into ${outdir}`);
    return 0;
  } catch (error) {
    console.error(`synth failed: ${(error as Error).message}`);
    console.error("The previous output is unchanged.");
    return 1;
  }
}
