#!/usr/bin/env node
/**
 * Generates the typed CDKTF bindings of the Grafana provider into gen/providers/grafana/ from a provider schema, offline.
 *
 *   npm run generate:grafana -- [schema.json] [output-dir]
 *
 * The schema is the output of `terraform providers schema -json` (default: ../shared/schemas/grafana-provider.schema.json
 * relative to the project root); the output directory defaults to gen/providers/grafana. Only the resources the project
 * uses are generated, so the bindings compile and load fast. Plain CommonJS on purpose: it must run even when the
 * generated bindings are broken.
 */
"use strict";
const fs = require("fs");
const os = require("os");
const path = require("path");

const PROJECT_ROOT = path.resolve(__dirname, "..");
const DEFAULT_SCHEMA = path.resolve(PROJECT_ROOT, "../shared/schemas/grafana-provider.schema.json");
// The layout `cdktf get` writes (codeMakerOutput "gen" in cdktf.json), so an online `cdktf get` yields the same import paths.
const DEFAULT_OUTPUT_DIR = path.join(PROJECT_ROOT, "gen", "providers", "grafana");
/** Must match the constraint in cdktf.json, so `cdktf get` online yields the same provider. */
const PROVIDER_CONSTRAINT = "grafana/grafana@4.45.1";
const COMMAND = "npm run generate:grafana -- <schema.json>";

/** The Terraform types the constructs in constructs/monitoring use; add one here to generate its binding. */
const RESOURCES = [
  "grafana_contact_point",
  "grafana_dashboard",
  "grafana_data_source",
  "grafana_folder",
  "grafana_message_template",
  "grafana_notification_policy",
  "grafana_rule_group",
];
const DATA_SOURCES = [];

function fail(message) {
  console.error(`generate-grafana-bindings: ${message}`);
  process.exit(1);
}

function readSchema(file) {
  let text;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (error) {
    fail(
      `cannot read the provider schema ${file} (${error.code || error.message}); pass the path of \`terraform providers schema -json\` output as the first argument`,
    );
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    fail(`${file} is not JSON (${error.message}); it must be the output of \`terraform providers schema -json\``);
  }
}

/** Keeps only the Grafana provider and the listed resources and data sources; fails naming any that is missing. */
function filterSchema(schema, file) {
  const providerKey = Object.keys(schema.provider_schemas || {}).find((key) => /(^|\/)grafana\/grafana$/.test(key));
  if (!providerKey)
    fail(
      `${file} has no grafana/grafana provider under provider_schemas (found: ${Object.keys(schema.provider_schemas || {}).join(", ") || "none"})`,
    );
  const provider = schema.provider_schemas[providerKey];
  const pick = (kind, all, names) =>
    Object.fromEntries(
      names.map((name) => {
        if (!all || !all[name])
          fail(
            `${file} has no ${kind} ${name}; is it the schema of grafana/grafana ${PROVIDER_CONSTRAINT.split("@")[1]}?`,
          );
        return [name, all[name]];
      }),
    );
  return {
    // The generator's types only name formats 0.1/0.2; the JSON layout of 1.0 is the same for what it reads.
    format_version: schema.format_version,
    provider_schemas: {
      [providerKey]: {
        provider: provider.provider,
        resource_schemas: pick("resource", provider.resource_schemas, RESOURCES),
        data_source_schemas: pick("data source", provider.data_source_schemas, DATA_SOURCES),
      },
    },
  };
}

/** Adds the generated-file header; the generator's documentation links name a registry host, so only their text is kept. */
function postProcess(text, schemaFile) {
  const body = text
    .split("\n")
    .filter((line) => !/^\/\/ https?:\/\//.test(line))
    .join("\n")
    .replace(/Docs at Terraform Registry: /g, "Provider schema attribute ")
    .replace(/\{@link https?:\/\/\S+ ([^}]+)\}/g, "`$1`")
    .replace(/^\s*\n/, "");
  return `// GENERATED FILE, do not edit: ${COMMAND}\n// from the grafana/grafana provider schema (${path.basename(schemaFile)}), constraint ${PROVIDER_CONSTRAINT.split("@")[1]}.\n${body}`;
}

function listFiles(dir, base = dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    return entry.isDirectory() ? listFiles(full, base) : [path.relative(base, full)];
  });
}

async function main() {
  // The generator's dependencies run `terraform version` on load; keep that offline.
  process.env.CHECKPOINT_DISABLE = process.env.CHECKPOINT_DISABLE || "1";
  const schemaFile = path.resolve(process.argv[2] || DEFAULT_SCHEMA);
  const outputDir = path.resolve(process.argv[3] || DEFAULT_OUTPUT_DIR);
  const schema = filterSchema(readSchema(schemaFile), schemaFile);

  // Deep imports: the package main pulls in jsii tooling this generation does not need.
  const { CodeMaker } = require("codemaker");
  const { TerraformProviderGenerator } = require("@cdktf/provider-generator/lib/get/generator/provider-generator");
  const { ConstructsMakerProviderTarget } = require("@cdktf/commons/src/construct-maker-target");
  const { TerraformProviderConstraint, Language } = require("@cdktf/commons/src/config");

  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "wtfb-grafana-bindings-"));
  try {
    const generator = new TerraformProviderGenerator(new CodeMaker(), schema);
    generator.generate(
      new ConstructsMakerProviderTarget(new TerraformProviderConstraint(PROVIDER_CONSTRAINT), Language.TYPESCRIPT),
    );
    await generator.save(scratch);

    const generatedRoot = path.join(scratch, "providers", "grafana");
    const staged = `${outputDir}.next-${process.pid}`;
    fs.rmSync(staged, { recursive: true, force: true });
    let written = 0;
    for (const relative of listFiles(generatedRoot)) {
      // Barrels would defeat deep imports, and the per-resource READMEs only link to the registry.
      if (relative === "index.ts" || relative === "lazy-index.ts" || relative.endsWith("README.md")) continue;
      const target = path.join(staged, relative);
      fs.mkdirSync(path.dirname(target), { recursive: true });
      fs.writeFileSync(target, postProcess(fs.readFileSync(path.join(generatedRoot, relative), "utf8"), schemaFile));
      written++;
    }
    fs.rmSync(outputDir, { recursive: true, force: true });
    fs.mkdirSync(path.dirname(outputDir), { recursive: true });
    fs.renameSync(staged, outputDir);
    console.log(
      `generated ${written} file(s) for ${RESOURCES.length} resource(s) and the provider into ${path.relative(process.cwd(), outputDir) || "."}/`,
    );
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

main().catch((error) => fail(error.stack || error.message));
