/**
 * Entry point of the app. cdktf.json and `npm run synth` start it from the startup snapshot that `npm run build`
 * makes (`node --snapshot-blob dist/app.snapshot.blob dist/main.js`): Node then runs the snapshot's main function,
 * not this file. Run plainly (`node dist/main.js`), it loads the bundled app with V8's code cache, so synth does
 * not spend its time resolving and compiling hundreds of modules; without the bundle (or with WTFB_UNBUNDLED=1)
 * the modules tsc emitted run instead.
 */
import * as fs from "fs";
import * as path from "path";
import { runBundle } from "./scripts/bundle-loader";
import { exitWhenFlushed } from "./scripts/process-exit";
import { tuneTierUp } from "./scripts/tier-up";

tuneTierUp();
const bundle = path.join(__dirname, "app.bundle.js");
if (process.env.WTFB_UNBUNDLED !== "1" && fs.existsSync(bundle)) {
  runBundle(bundle, module);
} else {
  require("./app");
}
exitWhenFlushed();
