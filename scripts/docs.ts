/** `npm run docs`: regenerates the files derived from the config schema and the shipped config. */
import * as fs from "fs";
import * as path from "path";
import { CONFIG_JSON_SCHEMA_FILE, renderConfigJsonSchema } from "../config/json-schema";
import { loadConfig } from "../config/load";
import { readmeWithPipelineDiagram } from "../config/readme-diagram";
import { CONFIG_REFERENCE_FILE, renderConfigReference } from "../config/reference";

const root = path.resolve(__dirname, "..", "..");
// The shipped config as it is in the repository: no overrides from this shell or a .env file.
const shipped = loadConfig({ cwd: root, file: "pipeline.config.json", env: {} }).config;
const readme = fs.readFileSync(path.join(root, "README.md"), "utf8");
for (const [file, content] of [
  [CONFIG_JSON_SCHEMA_FILE, renderConfigJsonSchema()],
  [CONFIG_REFERENCE_FILE, renderConfigReference()],
  ["README.md", readmeWithPipelineDiagram(readme, shipped)],
] as const) {
  fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
  fs.writeFileSync(path.join(root, file), content);
  console.log(`wrote ${file}`);
}
