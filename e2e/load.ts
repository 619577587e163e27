/**
 * The load generator: GET requests at a fixed rate (open loop: a slow answer never slows the sending) to the proxy
 * on 127.0.0.1, with or without keep-alive, bounded in count and in time. Every request is recorded: when it started
 * and ended, its status or the kind of connection error, and the version that answered (the app's X-App-Version).
 */
import * as http from "http";

export type ErrorKind = "refused" | "reset" | "timeout" | "other";

export interface RequestRecord {
  /** Start and end, milliseconds since the epoch (fractional). */
  readonly start: number;
  readonly end: number;
  /** HTTP status, or 0 when no answer came. */
  readonly status: number;
  readonly error?: ErrorKind;
  /** The error's code or message, for the report. */
  readonly detail?: string;
  /** X-App-Version of the answer. */
  readonly version?: string;
}

export interface LoadOptions {
  /** Port on 127.0.0.1 (the only address the generator sends to). */
  readonly port: number;
  readonly path?: string;
  readonly keepAlive: boolean;
  /** Requests per second. */
  readonly ratePerSecond: number;
  /** The generator stops by itself after this many requests… */
  readonly maxRequests: number;
  /** …or after this many seconds, whichever comes first. */
  readonly maxSeconds: number;
  /** A request not answered in full this long after it started counts as a timeout. @default 5000 */
  readonly timeoutMs?: number;
}

const now = (): number => performance.timeOrigin + performance.now();

/** A running load; `stop` ends it early and returns every record once in-flight requests are done. */
export class LoadRun {
  public readonly records: RequestRecord[] = [];
  public readonly startedAt = now();
  private readonly agent: http.Agent;
  private sent = 0;
  private inFlight = 0;
  private stopped = false;
  private readonly ticker: NodeJS.Timeout;
  private readonly deadline: NodeJS.Timeout;
  private readonly finished: Promise<void>;
  private finish!: () => void;

  constructor(private readonly options: LoadOptions) {
    if (!(options.ratePerSecond > 0 && options.maxRequests > 0 && options.maxSeconds > 0))
      throw new Error("the load needs a positive rate, request count and duration");
    // No socket limit: a request never waits in the client for a free connection, so latency is the server's.
    this.agent = new http.Agent({ keepAlive: options.keepAlive, maxSockets: Infinity });
    this.finished = new Promise((resolve) => (this.finish = resolve));
    this.ticker = setInterval(() => this.tick(), 2);
    this.deadline = setTimeout(() => this.halt(), options.maxSeconds * 1000);
  }

  /** Requests sent so far. */
  public get count(): number {
    return this.sent;
  }

  /** Records of requests that started at or after `since` (epoch ms). */
  public recordsSince(since: number): RequestRecord[] {
    return this.records.filter((record) => record.start >= since);
  }

  /** Resolves once the generator has stopped by itself (count or time) and every request has ended. */
  public done(): Promise<RequestRecord[]> {
    return this.finished.then(() => this.records);
  }

  /** Stops sending; resolves with every record once in-flight requests have ended. */
  public stop(): Promise<RequestRecord[]> {
    this.halt();
    return this.done();
  }

  private halt(): void {
    if (this.stopped) return;
    this.stopped = true;
    clearInterval(this.ticker);
    clearTimeout(this.deadline);
    this.maybeFinish();
  }

  private maybeFinish(): void {
    if (this.stopped && this.inFlight === 0) {
      this.agent.destroy();
      this.finish();
    }
  }

  private tick(): void {
    const due = Math.min(
      this.options.maxRequests,
      Math.floor(((now() - this.startedAt) * this.options.ratePerSecond) / 1000),
    );
    while (!this.stopped && this.sent < due) {
      this.sent++;
      this.send();
    }
    if (this.sent >= this.options.maxRequests) this.halt();
  }

  private send(): void {
    const start = now();
    this.inFlight++;
    let settled = false;
    const settle = (record: Omit<RequestRecord, "start" | "end">) => {
      if (settled) return;
      settled = true;
      this.records.push({ start, end: now(), ...record });
      this.inFlight--;
      this.maybeFinish();
    };
    const request = http.get(
      {
        host: "127.0.0.1",
        port: this.options.port,
        path: this.options.path ?? "/",
        agent: this.agent,
        headers: this.options.keepAlive ? {} : { Connection: "close" },
      },
      (response) => {
        response.resume();
        response.on("end", () =>
          settle({
            status: response.statusCode ?? 0,
            version: response.headers["x-app-version"] as string | undefined,
          }),
        );
        response.on("error", (error) => settle({ status: 0, ...classify(error) }));
      },
    );
    // A deadline for the whole request, not an idle timeout of its socket.
    const deadline = setTimeout(() => {
      settle({ status: 0, error: "timeout", detail: "no answer in time" });
      request.destroy();
    }, this.options.timeoutMs ?? 5000);
    request.on("close", () => clearTimeout(deadline));
    request.on("error", (error) => settle({ status: 0, ...classify(error) }));
  }
}

function classify(error: NodeJS.ErrnoException): { error: ErrorKind; detail: string } {
  const code = error.code ?? error.message;
  if (code === "ECONNREFUSED") return { error: "refused", detail: code };
  if (code === "ECONNRESET" || code === "EPIPE" || /socket hang up/i.test(error.message))
    return { error: "reset", detail: code };
  if (code === "ETIMEDOUT") return { error: "timeout", detail: code };
  return { error: "other", detail: code };
}

/** Starts a load run against 127.0.0.1:<port>. */
export function startLoad(options: LoadOptions): LoadRun {
  return new LoadRun(options);
}
