import * as fs from "fs";
import * as path from "path";
import { synthesizePipeline } from "../../stacks/synthesize";
import { readTree, temporaryDirectory } from "../helpers";
import { equivalenceConfigs, expectSameFiles, synthesizedFiles } from "./support";

describe("synthesizePipeline into an existing output", () => {
  const [shipped, fiveApplications] = equivalenceConfigs();

  test("carries over the artifacts whose bytes did not change (same file, same modification time) and writes the others", () => {
    // GIVEN an output synthesized from five applications
    const outdir = path.join(temporaryDirectory("synth-reuse"), "cdktf.out");
    const first = synthesizePipeline({ config: fiveApplications, outdir });
    const before = new Map(
      first.artifacts.map((artifact) => [
        artifact,
        {
          stat: fs.statSync(path.join(outdir, artifact)),
          content: fs.readFileSync(path.join(outdir, artifact), "utf8"),
        },
      ]),
    );

    // WHEN the config goes back to one application and synth runs again into the same folder
    const second = synthesizePipeline({ config: shipped, outdir });

    // THEN the output is exactly a fresh synth's: the four dropped applications' files are gone
    expectSameFiles(readTree(outdir), synthesizedFiles(shipped, "synth-reuse-fresh"));
    const unchanged = second.artifacts.filter(
      (artifact) => before.get(artifact)?.content === fs.readFileSync(path.join(outdir, artifact), "utf8"),
    );
    const changed = second.artifacts.filter((artifact) => !unchanged.includes(artifact));
    expect(unchanged).toEqual(
      expect.arrayContaining(["workflows/plan-review.yml", "runtime/production/web.nginx.conf"]),
    );
    expect(changed).toEqual(expect.arrayContaining(["workflows/ci.yml", "alerts/production.rules.yml"]));
    // an unchanged artifact is the previous file itself, a changed one a new file; none is linked twice
    for (const artifact of second.artifacts) {
      const stat = fs.statSync(path.join(outdir, artifact));
      const previous = before.get(artifact)!.stat;
      expect({
        artifact,
        sameFile: stat.ino === previous.ino,
        sameTime: stat.mtimeMs === previous.mtimeMs,
        links: stat.nlink,
      }).toEqual({
        artifact,
        sameFile: unchanged.includes(artifact),
        sameTime: unchanged.includes(artifact) ? true : expect.any(Boolean),
        links: 1,
      });
    }
  });

  test("writes anew an artifact edited by hand, and one that something else links to, leaving that other link as it was", () => {
    // GIVEN an output in which one artifact was edited and another is also linked from outside the output
    const project = temporaryDirectory("synth-reuse-edited");
    const outdir = path.join(project, "cdktf.out");
    synthesizePipeline({ config: shipped, outdir });
    const edited = path.join(outdir, "workflows", "ci.yml");
    const expectedCi = fs.readFileSync(edited, "utf8");
    // (the same length: only the bytes tell the edit apart)
    fs.writeFileSync(edited, expectedCi.replace("Lint and type check", "Lint and type CHECK"));
    const editedIno = fs.statSync(edited).ino;
    const linked = path.join(outdir, "workflows", "release.yml");
    const outside = path.join(project, "release-copy.yml");
    fs.linkSync(linked, outside);
    const linkedIno = fs.statSync(linked).ino;

    // WHEN synth runs again with the same config
    synthesizePipeline({ config: shipped, outdir });

    // THEN both hold the synth's bytes in files of their own; the outside link still has its file
    expect(fs.readFileSync(edited, "utf8")).toBe(expectedCi);
    expect(fs.statSync(edited).ino).not.toBe(editedIno);
    expect(fs.statSync(linked).ino).not.toBe(linkedIno);
    expect(fs.statSync(outside)).toMatchObject({ ino: linkedIno, nlink: 1 });
    expectSameFiles(readTree(outdir), synthesizedFiles(shipped, "synth-reuse-edited-fresh"));
  });
});
