/**
 * Builds the app's V8 startup snapshot (`npm run build` runs `node --build-snapshot` on this module, bundled).
 * Starting from the snapshot, Node skips loading and initialising the app's modules (cdktf, the provider
 * bindings, zod, the foundation SDK): `node --snapshot-blob dist/app.snapshot.blob dist/main.js` deserialises
 * them ready-made and runs `runApp`, which reads the config, the working directory and the environment of that
 * run, never those of the build.
 *
 * Before the snapshot is taken, the app synthesizes the project's config once into a scratch directory so that
 * the snapshot holds its functions compiled. Nothing of that synth is read later; if the config does not load
 * (it is broken, or needs a variable only set at deploy time), the snapshot is taken without it and is only slower.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as v8 from "v8";
import { prepareApp, runApp } from "./app-main";
import { loadConfig } from "./config/load";
import { exitWhenFlushed } from "./scripts/process-exit";
import { tuneTierUp } from "./scripts/tier-up";
import { synthesizePipeline } from "./stacks/synthesize";

function warmUp(): boolean {
  let scratch: string | undefined;
  try {
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), "wtfb-snapshot-"));
    prepareApp();
    // No .env and no overrides: the build's environment must not shape anything a later run sees.
    const { config } = loadConfig({ file: process.env.PIPELINE_CONFIG, env: {} });
    synthesizePipeline({ config, outdir: path.join(scratch, "cdktf.out") });
    return true;
  } catch {
    return false;
  } finally {
    if (scratch !== undefined) fs.rmSync(scratch, { recursive: true, force: true });
  }
}

if (!v8.startupSnapshot.isBuildingSnapshot()) {
  throw new Error("snapshot.js builds the app's startup snapshot: run it with `node --build-snapshot` (npm run build does)");
}
if (!warmUp()) {
  console.log("note: the startup snapshot was built without its warm-up synth (the config did not load or synthesize at build time); synth from it is correct, only slower");
}
v8.startupSnapshot.setDeserializeMainFunction(() => {
  // Node caches the working directory, and the cached one is the build's: chdir(".") drops the cache.
  process.chdir(".");
  tuneTierUp();
  process.exitCode = runApp();
  exitWhenFlushed();
});
