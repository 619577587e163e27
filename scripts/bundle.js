#!/usr/bin/env node
// Bundles the compiled app (dist/app.js) into dist/app.bundle.js, which dist/main.js loads with V8's code cache.
// Part of `npm run build`; plain JavaScript so it runs before anything else is compiled.
const path = require("path");
const fs = require("fs");
const esbuild = require("esbuild");

const dist = path.resolve(__dirname, "..", "dist");
const outfile = path.join(dist, "app.bundle.js");
esbuild.buildSync({
  entryPoints: [path.join(dist, "app.js")],
  outfile,
  bundle: true,
  platform: "node",
  target: "node20",
  format: "cjs",
  minify: process.env.WTFB_BUNDLE_DEBUG !== "1",
  keepNames: true,
  logLevel: "warning",
});
// A stale code cache would be rejected by V8 anyway; removing it avoids one wasted check.
fs.rmSync(`${outfile}.cache`, { force: true });
