/** The traffic bench's figures and its load generator, in process (a local HTTP server on 127.0.0.1). */
import * as http from "http";
import type { AddressInfo } from "net";
import { startLoad, type RequestRecord } from "../../e2e/load";
import { canaryShare, figuresOf, renderTable } from "../../e2e/report";

const ok = (start: number, version = "1.0.0", duration = 5): RequestRecord => ({
  start,
  end: start + duration,
  status: 200,
  version,
});
const refused = (start: number): RequestRecord => ({
  start,
  end: start + 1,
  status: 0,
  error: "refused",
  detail: "ECONNREFUSED",
});
const unavailable = (start: number, duration = 2000): RequestRecord => ({
  start,
  end: start + duration,
  status: 503,
  version: undefined,
});

describe("figuresOf", () => {
  it("counts failed requests, connection errors by kind and error statuses", () => {
    // GIVEN two successes, a refused connection and a 503
    const figures = figuresOf([ok(0), refused(10), unavailable(20, 5), ok(30, "1.1.0")]);

    // THEN
    expect(figures).toMatchObject({
      requests: 4,
      failed: 2,
      connectionErrors: 1,
      errorKinds: { refused: 1 },
      statuses: { "503": 1 },
      versions: { "1.0.0": 1, "1.1.0": 1 },
    });
  });

  it("joins failures less than a second apart into one window, and splits on a longer gap", () => {
    // GIVEN failures every 500 ms from 0 to 3000 ms (one window), then one failure 5 s later
    const records = [0, 500, 1000, 1500, 2000, 2500, 3000].map((start) => refused(start));
    records.push(refused(8000));

    // THEN the longest window runs from the first failure's start to the last one's end
    expect(figuresOf(records).longestFailureWindowMs).toBe(3001);
  });

  it("counts a window from a failure's start to its end, so one slow failure is a window", () => {
    expect(figuresOf([ok(0), unavailable(10, 2000), ok(20)]).longestFailureWindowMs).toBe(2000);
  });

  it("reports no failure window without failures, and the 99th percentile latency", () => {
    // GIVEN 100 requests taking 1…100 ms
    const records = Array.from({ length: 100 }, (_, index) => ok(index * 10, "1.0.0", index + 1));

    // THEN
    const figures = figuresOf(records);
    expect(figures.longestFailureWindowMs).toBe(0);
    expect(figures.p99Ms).toBe(99);
  });
});

describe("canaryShare", () => {
  it("is the canary version's share of the answers that name a version", () => {
    const records = [
      ...Array.from({ length: 75 }, (_, index) => ok(index, "1.0.0")),
      ...Array.from({ length: 25 }, (_, index) => ok(index, "1.1.0")),
      refused(200),
    ];
    expect(canaryShare(records, "1.1.0", 25)).toEqual({ weightPercent: 25, sharePercent: 25, requests: 100 });
  });
});

describe("renderTable", () => {
  it("prints a row per scenario and mode with the figures", () => {
    const table = renderTable([
      {
        scenario: "canary: 1.1.0 at 25%",
        mode: "keep-alive",
        figures: figuresOf([ok(0, "1.1.0"), refused(1)]),
        share: { weightPercent: 25, sharePercent: 24.5, requests: 10000 },
      },
    ]);
    expect(table.split("\n")).toHaveLength(3);
    expect(table).toContain("| canary: 1.1.0 at 25% | keep-alive | 2 | 1 | 1 (refused 1) |");
    expect(table).toContain("24.5% (25%) of 10000");
  });
});

describe("the load generator", () => {
  let server: http.Server;
  let port: number;
  beforeAll(async () => {
    server = http.createServer((request, response) => {
      response.setHeader("X-App-Version", request.headers.connection === "close" ? "closed" : "kept");
      response.end("ok");
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it.each([true, false])(
    "stops by itself after its request count and records each answer's version (keep-alive %s)",
    async (keepAlive) => {
      // WHEN 50 requests are sent at 500 per second, with a time bound far away
      const load = startLoad({ port, keepAlive, ratePerSecond: 500, maxRequests: 50, maxSeconds: 30 });
      const records = await load.done();

      // THEN exactly 50 were sent, all answered 200, with or without keep-alive
      expect(records).toHaveLength(50);
      expect(new Set(records.map((record) => record.status))).toEqual(new Set([200]));
      expect(new Set(records.map((record) => record.version))).toEqual(new Set([keepAlive ? "kept" : "closed"]));
    },
  );

  it("stops by itself after its time bound", async () => {
    const started = Date.now();
    const records = await startLoad({
      port,
      keepAlive: true,
      ratePerSecond: 100,
      maxRequests: 1_000_000,
      maxSeconds: 0.5,
    }).done();
    expect(Date.now() - started).toBeLessThan(3000);
    expect(records.length).toBeGreaterThan(20);
    expect(records.length).toBeLessThan(100);
  });

  it("records a refused connection as such", async () => {
    // GIVEN a port nothing listens on (a server opened and closed again)
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const closedPort = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));

    // WHEN
    const records = await startLoad({
      port: closedPort,
      keepAlive: false,
      ratePerSecond: 200,
      maxRequests: 5,
      maxSeconds: 10,
    }).done();

    // THEN
    expect(records.map((record) => record.error)).toEqual(["refused", "refused", "refused", "refused", "refused"]);
  });

  it("records a request without an answer by its deadline as a timeout", async () => {
    // GIVEN a server that accepts requests and never answers
    const silent = http.createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    try {
      // WHEN
      const records = await startLoad({
        port: (silent.address() as AddressInfo).port,
        keepAlive: true,
        ratePerSecond: 100,
        maxRequests: 3,
        maxSeconds: 10,
        timeoutMs: 200,
      }).done();

      // THEN each is a timeout, ended at its deadline
      expect(records.map((record) => record.error)).toEqual(["timeout", "timeout", "timeout"]);
      for (const record of records) expect(record.end - record.start).toBeGreaterThanOrEqual(195);
    } finally {
      silent.closeAllConnections();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });
});
