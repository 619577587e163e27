/** Entry point of the app: cdktf.json and `npm run synth` run it with plain `node dist/main.js` after the build. */
import { runApp } from "./app-main";

process.exitCode = runApp();
