/**
 * Fault injection shared by the simulators: what `failNext` and `dropNext` queue, and how a request takes the next
 * matching entry. Every simulator speaks the same shape, so a test fails a Tokopedia, TikTok Shop or Kommo call the
 * same way.
 */

/** Which requests an injected fault hits. Unset fields match everything but `host` (default: the main host). */
export interface SimRequestMatch<Host extends string> {
  /** The simulated host ("any": every host); default the simulator's main API host. */
  host?: Host | "any";
  /** Only requests with this method (e.g. "POST"). */
  method?: string;
  /** Only requests whose path (without the query) ends with this text (e.g. "/chats"). */
  pathEndsWith?: string;
  /** Let this many matching requests through first (a fault on "the second part of a reply" is skip: 1). */
  skip?: number;
}

/** What `failNext` injects: the next matching requests get this answer instead of being handled. */
export interface SimFault<Host extends string> extends SimRequestMatch<Host> {
  /** HTTP status; default 500 (or what the simulator pairs with its platform-specific fields). */
  status?: number;
  /** Body sent as is, as JSON (objects are serialized); default the platform's usual error body for the status. */
  body?: string | object;
  /** A Retry-After header, in seconds. */
  retryAfterSec?: number;
}

/** What `dropNext` injects: the connection of the next matching requests is cut without an answer. */
export interface SimDrop<Host extends string> extends SimRequestMatch<Host> {
  /**
   * Cut after the request was carried out (state changed, e.g. a message stored or a refresh token rotated) but
   * before the answer, as a timeout or reset looks to the caller. Default false: cut before anything happened.
   */
  afterProcessing?: boolean;
}

/** The facts of a request that faults match on. */
export interface MatchedRequest<Host extends string> {
  host: Host;
  method: string;
  path: string;
}

type Queued<T> = T & { remaining: number };

/** A queue of injected entries, each good for `remaining` matching requests. */
export class FaultQueue<Host extends string, T extends SimRequestMatch<Host>> {
  private readonly entries: Queued<T>[] = [];

  constructor(private readonly defaultHost: Host | "any") {}

  /** Queues `entry` for the next `n` matching requests; `n` must be a whole number of at least 1. */
  add(n: number, entry: T): void {
    if (!Number.isInteger(n) || n < 1) throw new RangeError(`a fault is for 1 or more requests, not ${n}`);
    this.entries.push({ ...entry, remaining: n });
  }

  /**
   * The entry the request takes, if any. The first matching entry decides: while it has `skip` left the request
   * goes through (and uses up one skip); otherwise it uses up one of the entry's requests.
   */
  take(req: MatchedRequest<Host>, also: (entry: T) => boolean = () => true): T | undefined {
    const e = this.entries.find((x) => x.remaining > 0 && this.matches(x, req) && also(x));
    if (!e) return undefined;
    if (e.skip !== undefined && e.skip > 0) {
      e.skip--;
      return undefined;
    }
    e.remaining--;
    if (e.remaining === 0) this.entries.splice(this.entries.indexOf(e), 1);
    return e;
  }

  private matches(e: Queued<T>, req: MatchedRequest<Host>): boolean {
    const host = e.host ?? this.defaultHost;
    return (
      (host === "any" || host === req.host) &&
      (e.method === undefined || e.method === req.method) &&
      (e.pathEndsWith === undefined || req.path.endsWith(e.pathEndsWith))
    );
  }
}
