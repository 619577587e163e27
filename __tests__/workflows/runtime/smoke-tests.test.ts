import * as fs from "fs";
import * as http from "http";
import type { AddressInfo } from "net";
import { runSmokeTests } from "../../../cli/smoke-tests";
import { temporaryDirectory } from "../../helpers";

describe("smoke tests", () => {
  let server: http.Server;
  let baseUrl = "";
  const hits: string[] = [];

  beforeAll(async () => {
    server = http.createServer((request, response) => {
      hits.push(request.url ?? "");
      const warmUps = hits.filter((hit) => hit === "/warming-up").length;
      // /healthz is up, /warming-up answers 503 twice and then 204, anything else fails.
      response.statusCode =
        request.url === "/healthz" ? 200 : request.url === "/warming-up" ? (warmUps < 3 ? 503 : 204) : 500;
      response.end("ok");
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });
  afterAll(() => server.close());

  const options = () => ({
    baseUrl,
    workingDirectory: temporaryDirectory("smoke"),
    sleep: async () => {},
    log: () => {},
    attempts: 4,
  });

  test("relative URLs resolve against the environment's base URL; a service warming up gets more attempts", async () => {
    const failures = await runSmokeTests(
      [
        { name: "health", url: "/healthz" },
        { name: "warm", url: "warming-up" },
      ],
      options(),
    );
    expect(failures).toEqual([]);
    expect(hits.filter((hit) => hit === "/warming-up")).toHaveLength(3);
  });

  test("fails when a URL keeps answering an error, or a command exits non-zero, and says which", async () => {
    const failures = await runSmokeTests(
      [
        { name: "broken page", url: `${baseUrl}broken` },
        { name: "suite", command: 'test "$BASE_URL" = "' + baseUrl + '" && exit 3' },
      ],
      options(),
    );
    expect(failures).toEqual([
      `smoke test "broken page" failed: GET ${baseUrl}broken answered 500 after 4 attempt(s)`,
      'smoke test "suite" failed: the command exited with 3',
    ]);
  });

  test("commands run in the repository with BASE_URL set", async () => {
    const directory = temporaryDirectory("smoke-command");
    const failures = await runSmokeTests([{ name: "writes", command: 'printf "%s" "$BASE_URL" > seen' }], {
      ...options(),
      workingDirectory: directory,
    });
    expect(failures).toEqual([]);
    expect(fs.readFileSync(`${directory}/seen`, "utf8")).toBe(baseUrl);
  });
});
