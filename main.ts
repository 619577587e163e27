/**
 * Entry point of the app (`node dist/main.js`, what cdktf.json runs). `npm run build` also bundles the app into
 * one file, loaded here with V8's code cache so synth does not spend its time resolving and compiling hundreds of
 * modules; without the bundle (or with WTFB_UNBUNDLED=1) the modules tsc emitted run instead.
 */
import * as fs from "fs";
import * as path from "path";
import { runBundle } from "./scripts/bundle-loader";

const bundle = path.join(__dirname, "app.bundle.js");
if (process.env.WTFB_UNBUNDLED !== "1" && fs.existsSync(bundle)) {
  runBundle(bundle, module);
} else {
  require("./app");
}
