// Validates workflow files with GitHub's own parser and validator (@actions/languageservice).
// Input on stdin: {"<file name>": "<yaml>", ...}. Output on stdout: {"<file name>": [diagnostic, ...], ...}.
// Calls to reusable workflows (`uses: ./.github/workflows/<file>`) are resolved against the same set, so inputs,
// secrets and outputs across files are checked too.
import { validate, registerLogger } from "@actions/languageservice";
import { TextDocument } from "vscode-languageserver-textdocument";

const files = JSON.parse(
  await new Promise((resolve) => {
    let text = "";
    process.stdin.on("data", (chunk) => (text += chunk));
    process.stdin.on("end", () => resolve(text));
  }),
);

// The validator logs (and swallows) internal errors; report them as failures instead.
const internalErrors = [];
registerLogger({ error: (message) => internalErrors.push(message), warn: () => {}, info: () => {}, log: () => {} });

const fileProvider = {
  async getFileContent(reference) {
    const name = reference.path?.replace(/^(\.\/)?\.github\/workflows\//, "");
    if (reference.repository !== undefined || !(name in files))
      throw new Error(`unknown workflow ${JSON.stringify(reference)}`);
    return { name: `.github/workflows/${name}`, content: files[name] };
  },
};

const results = {};
for (const [name, content] of Object.entries(files)) {
  const document = TextDocument.create(`file:///repository/.github/workflows/${name}`, "yaml", 1, content);
  const diagnostics = await validate(document, { fileProvider });
  results[name] = diagnostics.map((diagnostic) => ({
    message: diagnostic.message,
    severity: diagnostic.severity ?? 1,
    line: diagnostic.range.start.line + 1,
  }));
}
results["(validator)"] = internalErrors.map((message) => ({ message, severity: 1, line: 0 }));
process.stdout.write(JSON.stringify(results));
