/**
 * Entry point of the app (`node dist/main.js`, what cdktf.json runs). `npm run build` also bundles the app into
 * one file, loaded here with V8's code cache so synth does not spend its time resolving and compiling hundreds of
 * modules; without the bundle (or with WTFB_UNBUNDLED=1) the modules tsc emitted run instead.
 */
import * as fs from "fs";
import * as path from "path";
import { runBundle } from "./scripts/bundle-loader";

/**
 * Ends the process once stdout and stderr are flushed. Node's orderly exit tears down the whole heap first, which
 * after a synth takes 20–40 ms, longer than synthesizing the shipped config's repository stack; `process.exit`
 * skips that teardown. The app has no handles left open: everything it writes is written synchronously.
 */
function exitWhenFlushed(): void {
  const code = typeof process.exitCode === "number" ? process.exitCode : 0;
  const streams = [process.stdout, process.stderr].filter((stream) => stream.writableLength > 0);
  let pending = streams.length;
  if (pending === 0) process.exit(code);
  for (const stream of streams) stream.once("drain", () => --pending === 0 && process.exit(code));
}

const bundle = path.join(__dirname, "app.bundle.js");
if (process.env.WTFB_UNBUNDLED !== "1" && fs.existsSync(bundle)) {
  runBundle(bundle, module);
} else {
  require("./app");
}
exitWhenFlushed();
