/**
 * The base every simulator runs on: one node:http server on 127.0.0.1 (port 0), routes on the shared Router, and
 * the test controls all three simulators share — a body limit, latency, fault injection (failNext, dropNext) and a
 * request log. A simulator brings its routes and its platform's answers (not-found, faults, internal errors); the
 * base owns the order in which a request passes through:
 *
 *   log → body (limit) → latency → drop before → fault → guard → route → drop after → answer
 */
import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from "node:http";
import { BodyTooLargeError, MAX_BODY_BYTES, readBody } from "../../server/read-body.js";
import { parseRequestTarget } from "../../server/request-target.js";
import { type RouteMethod, Router } from "../../server/router.js";
import { listenOnLoopback } from "../listen-loopback.js";
import { FaultQueue, type SimDrop, type SimFault } from "./faults.js";

/** What a simulator answers: status, headers, body (text or bytes). */
export interface SimAnswer {
  status: number;
  headers?: Record<string, string>;
  body?: string | Buffer;
}

/** One request as the simulator saw it. `status` is 0 until answered and -1 when the connection was cut. */
export interface SimRequestRecord<Host extends string> {
  host: Host;
  method: string;
  /** The path as sent, without the query. */
  path: string;
  /** When it arrived (the simulator's clock, ms). */
  at: number;
  status: number;
  /** For a drop after processing: the status the caller never saw. */
  lostAnswer?: number;
}

/** A request handed to a simulator's route, guard or answer hooks. */
export interface SimRequest<Host extends string, R extends SimRequestRecord<Host>> {
  host: Host;
  method: string;
  /** The path as sent (still percent-encoded), without the query. */
  path: string;
  /** The request target as sent (path and query). */
  target: string;
  query: URLSearchParams;
  /** Decoded `{name}` segments of the matched route. */
  params: Record<string, string>;
  headers: IncomingHttpHeaders;
  /** The raw body, exactly as sent (signatures are computed over these bytes). */
  body: Buffer;
  /** The caller's address (IPv4-mapped IPv6 shown as IPv4). */
  remoteAddress: string;
  /** This request's log entry; routes may add their own fields (endpoint, account, platform code ...). */
  record: R;
}

export type SimHandler<Host extends string, R extends SimRequestRecord<Host>> = (
  req: SimRequest<Host, R>,
) => SimAnswer | Promise<SimAnswer>;

/** What a simulator brings to the base. */
export interface SimServerSpec<
  Host extends string,
  R extends SimRequestRecord<Host>,
  F extends SimFault<Host>,
> {
  /** Which simulated host a path belongs to (one port serves them all). */
  hostOf(path: string): Host;
  /** The host failNext and dropNext hit when they name none ("any": every host). */
  mainHost: Host | "any";
  /** The answer when no route has the path ("path") or the path has no route for the method ("method"). */
  unrouted(req: SimRequest<Host, R>, why: "path" | "method"): SimAnswer | Promise<SimAnswer>;
  /** The platform's answer to an injected fault that carries no body of its own. */
  faultAnswer(fault: F, req: SimRequest<Host, R>): SimAnswer;
  /** The answer when a route throws (a bug in the simulator, or in the test's setup). */
  internalError(err: unknown): SimAnswer;
  /** Largest accepted body in bytes (default 1 MiB). */
  bodyLimit?: number;
  /** The answer to a body over the limit (default a bare 413). */
  tooLarge?(req: SimRequest<Host, R>): SimAnswer;
  /** Checks made before routing, for every request of a host (authentication, rate limits ...). */
  guard?(req: SimRequest<Host, R>): SimAnswer | undefined;
  /** Makes a log entry (to carry the simulator's own fields); default the plain record. */
  newRecord?(base: SimRequestRecord<Host>): R;
  /** Last touch on every answer that goes out (e.g. a Date header from the simulator's clock). */
  finish?(answer: SimAnswer, req: SimRequest<Host, R>): SimAnswer;
  /** Clock for the log's `at` (default Date.now). */
  now?: () => number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class SimServer<
  Host extends string,
  R extends SimRequestRecord<Host> = SimRequestRecord<Host>,
  F extends SimFault<Host> = SimFault<Host>,
> {
  private readonly router = new Router<SimHandler<Host, R>>();
  private readonly faults: FaultQueue<Host, F>;
  private readonly drops: FaultQueue<Host, SimDrop<Host>>;
  private readonly log: R[] = [];
  private latencyAll = 0;
  private readonly latencyByHost = new Map<Host, number>();
  private server: Server | undefined;
  private baseUrl = "";

  constructor(private readonly spec: SimServerSpec<Host, R, F>) {
    this.faults = new FaultQueue(spec.mainHost);
    this.drops = new FaultQueue(spec.mainHost);
  }

  /** Adds a route (`{name}` path segments become `req.params`). */
  route(method: RouteMethod, path: string, handler: SimHandler<Host, R>): this {
    this.router.add({ method, path, handler });
    return this;
  }

  /**
   * Listens on 127.0.0.1: on a free port by default, or on `port` (`tokokommo sandbox --serve --port-base`); a
   * taken port rejects.
   */
  async start(port = 0): Promise<this> {
    const server = createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        if (res.headersSent) res.destroy();
        else this.write(res, this.spec.internalError(err));
      });
    });
    const listened = await listenOnLoopback(server, port);
    this.server = server;
    this.baseUrl = `http://127.0.0.1:${listened}`;
    return this;
  }

  /** Base URL, e.g. http://127.0.0.1:41234 (empty before start). */
  get url(): string {
    return this.baseUrl;
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  // ---- test controls -----------------------------------------------------------------------------------------

  /** The next `n` matching requests get the fault's answer instead of being handled. */
  failNext(n: number, fault: F): void {
    this.faults.add(n, fault);
  }

  /** The next `n` matching requests lose their connection (before, or with afterProcessing after, handling). */
  dropNext(n: number, drop: SimDrop<Host> = {}): void {
    this.drops.add(n, drop);
  }

  /** Every request (to `host`, or to every host when omitted) waits `ms` before it is handled; 0 turns it off. */
  latency(ms: number, host?: Host): void {
    if (host !== undefined) {
      this.latencyByHost.set(host, ms);
      return;
    }
    this.latencyAll = ms;
    this.latencyByHost.clear();
  }

  /** The request log, in arrival order (the live array: entries are completed as answers go out). */
  requests(): R[] {
    return this.log;
  }

  // ---- the pipeline ------------------------------------------------------------------------------------------

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const sim = this.request(req);
    this.log.push(sim.record);
    const body = await this.readBody(req, sim);
    if (body === undefined) return this.send(res, sim, this.tooLarge(sim));
    if (body === "aborted") {
      sim.record.status = -1;
      return;
    }
    sim.body = body;
    const wait = this.latencyByHost.get(sim.host) ?? this.latencyAll;
    if (wait > 0) await sleep(wait);
    if (this.drops.take(sim, (d) => !d.afterProcessing)) return this.cut(res, sim);
    // A simulator that throws (a bug in it, or in a test's setup) answers its internal error, logged as such.
    const answer = await this.answer(sim).catch((err: unknown) => this.spec.internalError(err));
    if (this.drops.take(sim, (d) => d.afterProcessing === true)) {
      sim.record.lostAnswer = answer.status;
      return this.cut(res, sim);
    }
    this.send(res, sim, answer);
  }

  private request(req: IncomingMessage): SimRequest<Host, R> {
    const raw = req.url ?? "/";
    const target = parseRequestTarget(raw);
    const path = target?.path ?? raw.split("?")[0] ?? "/";
    const host = this.spec.hostOf(path);
    const method = req.method ?? "";
    const base: SimRequestRecord<Host> = { host, method, path, at: (this.spec.now ?? Date.now)(), status: 0 };
    return {
      host,
      method,
      path,
      target: raw,
      query: target?.query ?? new URLSearchParams(),
      params: {},
      headers: req.headers,
      body: Buffer.alloc(0),
      remoteAddress: (req.socket.remoteAddress ?? "").replace(/^::ffff:/, ""),
      record: this.spec.newRecord ? this.spec.newRecord(base) : (base as R),
    };
  }

  /** The body, undefined when over the limit, "aborted" when the caller went away. */
  private async readBody(
    req: IncomingMessage,
    sim: SimRequest<Host, R>,
  ): Promise<Buffer | undefined | "aborted"> {
    try {
      return await readBody(req, this.spec.bodyLimit ?? MAX_BODY_BYTES);
    } catch (err) {
      if (err instanceof BodyTooLargeError) return undefined;
      sim.record.status = -1;
      return "aborted";
    }
  }

  private tooLarge(sim: SimRequest<Host, R>): SimAnswer {
    return this.spec.tooLarge ? this.spec.tooLarge(sim) : { status: 413 };
  }

  private async answer(sim: SimRequest<Host, R>): Promise<SimAnswer> {
    const fault = this.faults.take(sim);
    if (fault) return this.faultAnswer(fault, sim);
    const guarded = this.spec.guard?.(sim);
    if (guarded) return guarded;
    const match = this.router.match(sim.method, sim.path);
    if (match === undefined || match === "malformed") return this.spec.unrouted(sim, "path");
    // The router answers HEAD with GET routes (for the daemon); no simulated platform does.
    if (match === "method" || sim.method === "HEAD") return this.spec.unrouted(sim, "method");
    sim.params = match.params;
    return match.route.handler(sim);
  }

  private faultAnswer(fault: F, sim: SimRequest<Host, R>): SimAnswer {
    const answer: SimAnswer =
      fault.body === undefined
        ? this.spec.faultAnswer(fault, sim)
        : {
            status: fault.status ?? 500,
            headers: { "content-type": "application/json" },
            body: typeof fault.body === "string" ? fault.body : JSON.stringify(fault.body),
          };
    if (fault.retryAfterSec === undefined) return answer;
    return { ...answer, headers: { ...(answer.headers ?? {}), "retry-after": String(fault.retryAfterSec) } };
  }

  private cut(res: ServerResponse, sim: SimRequest<Host, R>): void {
    sim.record.status = -1;
    res.socket?.destroy();
  }

  private send(res: ServerResponse, sim: SimRequest<Host, R>, answer: SimAnswer): void {
    const final = this.spec.finish ? this.spec.finish(answer, sim) : answer;
    sim.record.status = final.status;
    this.write(res, final);
  }

  private write(res: ServerResponse, answer: SimAnswer): void {
    res.writeHead(answer.status, answer.headers ?? {});
    res.end(answer.body ?? "");
  }
}
