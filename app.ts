/** The app's entry module: `main.ts` runs it (bundled, or as tsc emitted it). */
import { runApp } from "./app-main";

process.exitCode = runApp();
