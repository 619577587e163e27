node -e '
  const fs = require("fs"), path = require("path");
  const expected = JSON.parse(process.env.APPLICATIONS);
  const files = fs.readdirSync(process.env.RECORDS, { recursive: true }).filter((file) => path.basename(String(file)) === "build-info.json");
  const versions = {};
  for (const file of files) {
    const record = JSON.parse(fs.readFileSync(path.join(process.env.RECORDS, String(file)), "utf8"));
    if (!expected.includes(record.application)) continue;
    if (record.application in versions) throw new Error("two build records for " + record.application);
    if (!new RegExp(process.env.VERSION_PATTERN).test(String(record.version))) throw new Error("the build record of " + record.application + " holds no image tag");
    versions[record.application] = record.version;
  }
  const missing = expected.filter((application) => !(application in versions));
  if (missing.length > 0) {
    console.log("::error::no build record for " + missing.join(", ") + ": its package job did not finish");
    process.exit(1);
  }
  const json = JSON.stringify(Object.fromEntries(expected.map((application) => [application, versions[application]])));
  fs.appendFileSync(process.env.GITHUB_OUTPUT, "versions=" + json + "\n");
  console.log(json);
'
