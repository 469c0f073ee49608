/**
 * A tiny router over node:http: exact methods, path templates with `{name}` segments. Handlers get the raw body
 * (for signature checks) and return a response object; they never write to the socket themselves, so every
 * response passes through one place (status accounting, JSON encoding, error mapping).
 */
import type { IncomingHttpHeaders } from "node:http";
import { decodes } from "./request-target.js";

export interface HttpRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  params: Record<string, string>;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export interface HttpResponse {
  status: number;
  /** Objects are sent as JSON; strings as text/plain unless contentType says otherwise. */
  body?: unknown;
  contentType?: string;
}

export type Handler = (req: HttpRequest) => Promise<HttpResponse> | HttpResponse;

/** The methods a route may declare (the daemon serves GET and POST; the simulators also PUT, PATCH and DELETE). */
export type RouteMethod = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

/** A route of handler type `H` (the daemon's Handler by default; the simulators bring their own). */
export interface Route<H = Handler> {
  method: RouteMethod;
  /** e.g. "/webhooks/tokopedia/{app}" */
  path: string;
  handler: H;
}

interface CompiledRoute<H> extends Route<H> {
  regex: RegExp;
  names: string[];
}

export class Router<H = Handler> {
  private readonly routes: CompiledRoute<H>[] = [];

  add(route: Route<H>): this {
    const names: string[] = [];
    const pattern = route.path
      .split("/")
      .map((seg) => {
        const m = /^\{(\w+)\}$/.exec(seg);
        if (!m) return seg.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
        names.push(m[1]!);
        return "([^/]+)";
      })
      .join("/");
    this.routes.push({ ...route, regex: new RegExp(`^${pattern}$`), names });
    return this;
  }

  /**
   * undefined = no such path (404); "method" = path exists with another method (405); "malformed" = a path
   * parameter's percent-encoding does not decode (400: the client's mistake, not ours). HEAD matches GET routes
   * (the server sends the head of the GET answer).
   */
  match(
    method: string,
    path: string,
  ): { route: Route<H>; params: Record<string, string> } | "method" | "malformed" | undefined {
    const wanted = method === "HEAD" ? "GET" : method;
    let pathMatched = false;
    for (const r of this.routes) {
      const m = r.regex.exec(path);
      if (!m) continue;
      pathMatched = true;
      if (r.method !== wanted) continue;
      const params: Record<string, string> = {};
      for (let i = 0; i < r.names.length; i++) {
        const raw = m[i + 1]!;
        if (!decodes(raw)) return "malformed";
        params[r.names[i]!] = decodeURIComponent(raw);
      }
      return { route: r, params };
    }
    return pathMatched ? "method" : undefined;
  }
}
