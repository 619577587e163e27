/** `npm run docs`: regenerates the files derived from the config schema (JSON Schema, config reference). */
import * as fs from "fs";
import * as path from "path";
import { CONFIG_JSON_SCHEMA_FILE, renderConfigJsonSchema } from "../config/json-schema";
import { CONFIG_REFERENCE_FILE, renderConfigReference } from "../config/reference";

const root = path.resolve(__dirname, "..", "..");
for (const [file, content] of [
  [CONFIG_JSON_SCHEMA_FILE, renderConfigJsonSchema()],
  [CONFIG_REFERENCE_FILE, renderConfigReference()],
] as const) {
  fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
  fs.writeFileSync(path.join(root, file), content);
  console.log(`wrote ${file}`);
}
