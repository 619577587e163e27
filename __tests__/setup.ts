import * as fs from "fs";
import * as path from "path";
import { Testing } from "cdktf";

// Registers cdktf's matchers (toHaveResourceWithProperties, …) for every test file.
Testing.setupJest();

// Every test file gets a temporary directory of its own, removed when the file is done. Whatever the file's tests,
// cdktf's Testing app (which never removes its outdirs) or the processes they start create in the system's temporary
// directory goes in it. Without this each run of the suite left some 700 directories behind.
// os.tmpdir() reads the worker's real environment, not the copy jest gives each test file, so it is replaced for the
// file; TMPDIR in the file's environment reaches the processes its tests start with that environment.
// eslint-disable-next-line @typescript-eslint/no-require-imports -- the module object itself: an import's namespace copy cannot be spied on.
const os = require("os") as typeof import("os");
const systemTmpdir = os.tmpdir();
const fileTmpdir = fs.mkdtempSync(path.join(systemTmpdir, "wtfb-test-"));
const tmpdir = jest.spyOn(os, "tmpdir").mockReturnValue(fileTmpdir);
process.env.TMPDIR = fileTmpdir;
afterAll(() => {
  tmpdir.mockRestore();
  fs.rmSync(fileTmpdir, { recursive: true, force: true });
});
