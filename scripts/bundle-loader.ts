import * as fs from "fs";
import Module, { createRequire } from "module";
import * as path from "path";
import * as vm from "vm";

/**
 * Runs a CommonJS bundle as a module, with V8's code cache kept beside it (`<bundle>.cache`): after the first run
 * V8 skips parsing and compiling it. The cache is checked by V8 against the source and rewritten when stale;
 * where the directory is read-only the bundle simply runs uncached.
 */
export function runBundle(file: string, parent: NodeJS.Module): void {
  const cacheFile = `${file}.cache`;
  let cachedData: Buffer | undefined;
  try {
    cachedData = fs.readFileSync(cacheFile);
  } catch {
    cachedData = undefined;
  }
  const script = new vm.Script(Module.wrap(fs.readFileSync(file, "utf8")), { filename: file, cachedData });
  const bundleModule = new Module(file, parent);
  bundleModule.filename = file;
  const run = script.runInThisContext() as (exports: unknown, require: NodeJS.Require, module: Module, filename: string, dirname: string) => void;
  run.call(bundleModule.exports, bundleModule.exports, createRequire(file), bundleModule, file, path.dirname(file));
  if (cachedData === undefined || script.cachedDataRejected) {
    // Created after the run, so it also holds the functions compiled lazily while synthesizing.
    try {
      const next = `${cacheFile}.${process.pid}`;
      fs.writeFileSync(next, script.createCachedData());
      fs.renameSync(next, cacheFile);
    } catch {
      // Read-only install: run uncached.
    }
  }
}
