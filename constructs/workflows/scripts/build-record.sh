node -e '
  const env = process.env;
  const info = { application: env.APPLICATION, version: env.VERSION, commit: env.GITHUB_SHA, ref: env.GITHUB_REF, created: env.CREATED,
    tags: env.TAGS.split("\n").filter(Boolean), digest: env.DIGEST || null, pushed: env.PUSHED === "true", run: env.GITHUB_SERVER_URL + "/" + env.GITHUB_REPOSITORY + "/actions/runs/" + env.GITHUB_RUN_ID };
  require("fs").writeFileSync(env.RUNNER_TEMP + "/build-info.json", JSON.stringify(info, null, 2) + "\n");
'
