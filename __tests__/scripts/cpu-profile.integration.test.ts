import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { pathToFileURL } from "url";
import { frameOwner, packageOf, selfTimeByOwner, type CpuProfile } from "../../scripts/cpu-profile";

const DIST = "/work/project/dist";

describe("packageOf", () => {
  it.each([
    ["/work/project/node_modules/cdktf/lib/tokens/resolve.js", "cdktf"],
    ["/work/project/node_modules/@cdktf/provider-docker/lib/container/index.js", "@cdktf/provider-docker"],
    ["/work/project/node_modules/cdktf/node_modules/json-stable-stringify/index.js", "json-stable-stringify"],
    ["/work/project/dist/constructs/runtime/service-deployment.js", "project constructs/runtime"],
    ["/work/project/dist/app-main.js", "project app-main.js"],
    ["/work/project/dist/stacks/synthesize.js", "project stacks"],
    ["fs", "node builtins"],
    ["/usr/lib/other/thing.js", "outside the project"],
  ])("%s belongs to %s", (file, owner) => {
    expect(packageOf(file, DIST)).toBe(owner);
    expect(packageOf(file, `${DIST}/`)).toBe(owner);
  });

  it("is self-contained, as the bench's module probe needs: its source alone gives the same answers", () => {
    const rebuilt = new Function(`return ${packageOf.toString()}`)() as typeof packageOf;
    expect(rebuilt("/work/project/node_modules/@grafana/grafana-foundation-sdk/dist/index.js", DIST)).toBe(
      "@grafana/grafana-foundation-sdk",
    );
    expect(rebuilt("/work/project/dist/config/load.js", DIST)).toBe("project config");
  });
});

describe("frameOwner", () => {
  it("names V8's pseudo-frames, regular expressions and native functions, and maps script URLs to packages", () => {
    expect(frameOwner({ functionName: "(garbage collector)", url: "" }, DIST)).toBe("garbage collection");
    expect(frameOwner({ functionName: "(program)", url: "" }, DIST)).toMatch(/outside JavaScript/);
    expect(frameOwner({ functionName: "RegExp: ^a+$", url: "" }, DIST)).toBe("regular expressions (any package)");
    expect(frameOwner({ functionName: "writeFileUtf8", url: "" }, DIST)).toBe("node builtins");
    expect(frameOwner({ functionName: "readFileSync", url: "node:fs" }, DIST)).toBe("node builtins");
    expect(
      frameOwner(
        { functionName: "resolve", url: pathToFileURL("/work/project/node_modules/yaml/dist/index.js").href },
        DIST,
      ),
    ).toBe("yaml");
  });
});

describe("selfTimeByOwner", () => {
  // root → main (project) → synthesizePipeline (project stacks) → resolve (cdktf); root → load (node) ; root → GC
  const profile: CpuProfile = {
    nodes: [
      { id: 1, callFrame: { functionName: "(root)", url: "" }, children: [2, 5, 6] },
      { id: 2, callFrame: { functionName: "main", url: "file:///work/project/dist/main.js" }, children: [3] },
      {
        id: 3,
        callFrame: { functionName: "synthesizePipeline", url: "file:///work/project/dist/stacks/synthesize.js" },
        children: [4],
      },
      {
        id: 4,
        callFrame: {
          functionName: "resolve",
          url: "file:///work/project/node_modules/cdktf/lib/tokens/private/resolve.js",
        },
      },
      { id: 5, callFrame: { functionName: "wrapSafe", url: "node:internal/modules/cjs/loader" } },
      { id: 6, callFrame: { functionName: "(garbage collector)", url: "" } },
    ],
    samples: [4, 4, 3, 5, 6, 2, 4],
    timeDeltas: [1000, 2000, 500, 4000, 1500, 250, 3000],
  };

  it("charges every sample's time, in milliseconds, to the package of the frame it landed in, largest first", () => {
    expect(selfTimeByOwner(profile, DIST)).toEqual([
      ["cdktf", 6],
      ["node builtins", 4],
      ["garbage collection", 1.5],
      ["project stacks", 0.5],
      ["project main.js", 0.25],
    ]);
  });

  it("with `within`, counts only samples inside that function's calls, and garbage collection", () => {
    expect(selfTimeByOwner(profile, DIST, "synthesizePipeline")).toEqual([
      ["cdktf", 6],
      ["garbage collection", 1.5],
      ["project stacks", 0.5],
    ]);
  });

  it("rejects what is not a CPU profile", () => {
    expect(() => selfTimeByOwner({ ...profile, timeDeltas: [1] }, DIST)).toThrow("7 samples but 1 time deltas");
    expect(() => selfTimeByOwner({ ...profile, samples: [9], timeDeltas: [1] }, DIST)).toThrow("lands in node 9");
  });

  it("reads a profile that node --cpu-prof wrote: a package's busy function is charged to that package", () => {
    const directory = fs.mkdtempSync(path.join(os.tmpdir(), "wtfb-cpu-profile-"));
    try {
      const packageDir = path.join(directory, "node_modules", "busy-package");
      fs.mkdirSync(packageDir, { recursive: true });
      fs.writeFileSync(
        path.join(packageDir, "index.js"),
        "exports.spin = function spin(ms) { const end = Date.now() + ms; let n = 0; while (Date.now() < end) n++; return n; };\n",
      );
      const dist = path.join(directory, "dist");
      fs.mkdirSync(dist);
      fs.writeFileSync(
        path.join(dist, "main.js"),
        "const { spin } = require('../node_modules/busy-package');\nfunction synthesizePipeline() { return spin(150); }\nsynthesizePipeline();\nspin(100);\n",
      );
      const result = spawnSync(
        process.execPath,
        ["--cpu-prof", "--cpu-prof-dir", path.join(directory, "profile"), path.join(dist, "main.js")],
        { encoding: "utf8" },
      );
      expect(result.stderr).toBe("");
      expect(result.status).toBe(0);
      const [file] = fs.readdirSync(path.join(directory, "profile"));
      const written = JSON.parse(fs.readFileSync(path.join(directory, "profile", file), "utf8")) as CpuProfile;

      const all = new Map(selfTimeByOwner(written, dist));
      const inside = new Map(selfTimeByOwner(written, dist, "synthesizePipeline"));
      // 250 ms of spinning in all, 150 of them inside synthesizePipeline; sampling and timers blur the edges, and on a
      // busy machine a stalled sampler charges its gap to one sample, so the bounds are on what is left out: the
      // 100 ms spun outside synthesizePipeline count in all and not inside.
      expect(all.get("busy-package")).toBeGreaterThan(200);
      expect(inside.get("busy-package")).toBeGreaterThan(120);
      expect(all.get("busy-package")! - inside.get("busy-package")!).toBeGreaterThan(70);
    } finally {
      fs.rmSync(directory, { recursive: true, force: true });
    }
  });
});
