/** Entry point of the app: cdktf.json and `npm run synth` run it with plain `node dist/main.js` after the build. */
import { runApp } from "./app-main";

// Run from the event loop rather than inside the module loader's frames: cdktf captures the whole stack for every
// token and list attribute it creates (tens of thousands at 50 applications), and formatting those loader frames
// each time cost 7 % of the 50-application synth's CPU.
setImmediate(() => {
  process.exitCode = runApp();
});
