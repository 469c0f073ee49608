/**
 * Fuzz test of the daemon's HTTP server: fast-check builds raw HTTP/1.1 requests (random methods;
 * request targets with `//`, `%`, dot segments, unicode, very long ones; random and hostile headers; bodies sent
 * with a right or wrong Content-Length, valid or broken chunked encoding, signed or not) and sends them over
 * node:net to a daemon running on the simulators. Every request must get a status below 500 (503 from /readyz is
 * an answer, not a failure) or have its connection closed; no request handler may fail (error log) and nothing
 * may leave an unhandled rejection; /healthz answers afterwards.
 *
 * Bounded by default (CI): TOKOKOMMO_FUZZ_RUNS cases (default 300) and at most 30 s. Long mode by hand, e.g.
 *   TOKOKOMMO_FUZZ_RUNS=5000 npx vitest run test/e2e/http-fuzz.test.ts
 * (the time limit then grows with the count). A failure prints fast-check's seed and the shrunk request; replay
 * it with TOKOKOMMO_FUZZ_SEED=<seed>.
 */
import * as fc from "fast-check";
import { afterAll, beforeAll, expect, it } from "vitest";
import { type RunningDaemon, startDaemon } from "../../src/daemon/daemon.js";
import { signTokopediaWebhook } from "../../src/sources/tokopedia/webhook.js";
import { startTestbed, TESTBED_WEBHOOK_SECRET, type Testbed } from "../../src/testbed/tokopedia.js";
import { fuzzParameters } from "../helpers/fuzz.js";
import { type RawAnswer, rawRequest } from "../helpers/raw-http.js";

const FUZZ = fuzzParameters();
const TIME_LIMIT_MS = Math.max(30_000, FUZZ.numRuns * 100);

let bed: Testbed;
let daemon: RunningDaemon;
const handlerErrors: unknown[] = [];
const unhandled: unknown[] = [];
/** The request being sent, so a rejection or handler failure names it (state carries over between cases). */
let current = "";
const onUnhandled = (reason: unknown) => unhandled.push({ reason: String(reason), during: current });

beforeAll(async () => {
  process.on("unhandledRejection", onUnhandled);
  bed = await startTestbed({ mode: "webhook" });
  daemon = await startDaemon({
    config: bed.config,
    port: 0,
    log: (level, msg, details) => {
      if (level === "error" && msg === "request handler failed")
        handlerErrors.push({ details, during: current });
    },
  });
  await bed.connectDaemon(daemon.url);
});

afterAll(async () => {
  process.off("unhandledRejection", onUnhandled);
  await daemon?.stop();
  await bed?.close();
});

/** One generated request, kept as parts so a failure shrinks to something readable. */
interface FuzzRequest {
  method: string;
  target: string;
  headers: [string, string][];
  body: string;
  framing: "none" | "length" | "wrong-length" | "chunked" | "broken-chunked" | "both";
  sign: boolean;
}

/** Routes of the daemon (and near misses), reached as they are. */
const routePaths = () => [
  "/healthz",
  "/readyz",
  "/metrics",
  "/webhooks/tokopedia/main",
  "/webhooks/tokopedia/main",
  "/webhooks/tokopedia/other",
  "/webhooks/tiktokshop/main",
  `/webhooks/kommo/${bed.scopeId}`,
  "/webhooks/kommo/x",
  "/",
];

/** Targets that broke or could break a URL parser or a path router. */
const hostilePaths = [
  "//",
  "//[",
  "http://",
  "http://127.0.0.1/healthz",
  "//webhooks%2F/tokopedia/main",
  "*",
  "%",
  "/%",
  "/%E0%A4%A",
  "/webhooks/../metrics",
  "/webhooks/%2e%2e/metrics",
  "/webhooks/tokopedia/%zz",
];

const pathChar = fc.oneof(
  fc.constantFrom(
    "/",
    "%",
    "%2F",
    "%00",
    "%zz",
    "?",
    "#",
    "[",
    "]",
    "..",
    "@",
    ":",
    ";",
    "&",
    "=",
    "+",
    "\\",
  ),
  fc.string({ unit: "grapheme", maxLength: 3 }),
  fc.string({ unit: "binary", maxLength: 2 }),
);

/** Built when the test runs: the Kommo route needs the testbed's scope id. */
const target = () =>
  fc.oneof(
    { weight: 8, arbitrary: fc.constantFrom(...routePaths()) },
    { weight: 3, arbitrary: fc.constantFrom(...hostilePaths) },
    {
      weight: 3,
      arbitrary: fc
        .tuple(fc.constantFrom(...routePaths(), ...hostilePaths), fc.array(pathChar, { maxLength: 12 }))
        .map(([p, rest]) => p + rest.join("")),
    },
    {
      weight: 1,
      arbitrary: fc
        .tuple(
          fc.constantFrom("/", "/webhooks/tokopedia/", "/?q="),
          fc.constantFrom("a", "%", "/", "é"),
          fc.integer({ min: 1_000, max: 20_000 }),
        )
        .map(([p, c, n]) => p + c.repeat(n)),
    },
  );

const method = fc.oneof(
  { weight: 5, arbitrary: fc.constantFrom("GET", "POST", "POST", "POST", "HEAD") },
  {
    weight: 2,
    arbitrary: fc.constantFrom("PUT", "DELETE", "OPTIONS", "PATCH", "TRACE", "CONNECT", "PROPFIND"),
  },
  { weight: 1, arbitrary: fc.string({ minLength: 1, maxLength: 8 }) },
);

/** Header values without CR/LF (a line break would start a new header or end the head). */
const value = (maxLength: number) => fc.string({ maxLength }).map((v) => v.replace(/[\r\n]/g, " "));
const token = fc.stringMatching(/^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,20}$/);

const headerValue = fc.oneof(
  fc.constantFrom(
    "application/json",
    "text/plain; charset=utf-16",
    "-1",
    "99999999999999999999",
    "0, 5",
    "chunked",
    "chunked, chunked",
    "gzip, chunked",
    "identity",
    "100-continue",
    "close",
    "keep-alive",
    "upgrade",
    "websocket",
    "",
  ),
  value(40),
);

const header: fc.Arbitrary<[string, string]> = fc.oneof(
  {
    weight: 12,
    arbitrary: fc.tuple(
      fc.constantFrom(
        "content-type",
        "expect",
        "connection",
        "upgrade",
        "authorization-hmac",
        "authorization",
        "x-tts-signature",
        "content-encoding",
        "accept",
      ),
      headerValue,
    ),
  },
  // A second framing header beside the one encode() writes: conflicting lengths, smuggling shapes.
  {
    weight: 2,
    arbitrary: fc.tuple(fc.constantFrom("content-length", "transfer-encoding", "host"), headerValue),
  },
  { weight: 6, arbitrary: fc.tuple(token, value(60)) },
  {
    weight: 1,
    arbitrary: fc.tuple(fc.string({ minLength: 1, maxLength: 20 }), fc.string({ maxLength: 60 })),
  },
  {
    weight: 1,
    arbitrary: fc.tuple(
      fc.constant("x-big"),
      fc.integer({ min: 1_000, max: 20_000 }).map((n) => "v".repeat(n)),
    ),
  },
);

/** Something shaped like a Tokopedia chat notification, with every field possibly wrong. */
const notification = () =>
  fc
    .record(
      {
        msg_id: fc.oneof(
          fc.integer({ min: 0 }),
          fc.bigInt({ min: 0n, max: 2n ** 70n }).map(String),
          fc.string(),
        ),
        shop_id: fc.oneof(
          fc.constant(Number(bed.shops[0]!.shopId)),
          fc.constant(bed.shops[0]!.shopId),
          fc.integer(),
          fc.string(),
          fc.constant(null),
        ),
        buyer_id: fc.oneof(fc.integer({ min: 0 }), fc.string()),
        message: fc.oneof(
          fc.string({ unit: "grapheme", maxLength: 200 }),
          fc.constantFrom("<a href='x'>", "&hellip;&#xD800;&amp;", "<br><b>x</b>", "\u0000\u202e"),
          fc.integer(),
        ),
        full_name: fc.string(),
        thumbnail: fc.oneof(fc.webUrl(), fc.string()),
        payload: fc.oneof(
          fc.object({ maxDepth: 2 }),
          fc.record({
            attachment_type: fc.integer(),
            image: fc.record({ image_url: fc.oneof(fc.webUrl(), fc.string()) }),
            product: fc.record({ name: fc.string(), product_url: fc.string(), product_id: fc.integer() }),
          }),
        ),
      },
      { requiredKeys: [] },
    )
    .map((o) => JSON.stringify(o));

const body = () =>
  fc.oneof(
    fc.constant(""),
    fc.json({ maxDepth: 4 }),
    fc.string({ unit: "binary", maxLength: 200 }),
    notification(),
    notification(),
    notification(),
    fc.integer({ min: 1_000, max: 1_100_000 }).map((n) => "x".repeat(n)),
  );

const anyRequest = (): fc.Arbitrary<FuzzRequest> =>
  fc.record({
    method,
    target: target(),
    headers: fc.array(header, { maxLength: 3 }),
    body: body(),
    framing: fc.constantFrom(
      "length",
      "length",
      "length",
      "length",
      "none",
      "chunked",
      "chunked",
      "wrong-length",
      "broken-chunked",
      "both",
    ),
    sign: fc.boolean(),
  });

/** A well-framed, signed Tokopedia webhook whose body is a possibly-wrong notification: reaches the parser. */
const webhookRequest = (): fc.Arbitrary<FuzzRequest> =>
  fc.record({
    method: fc.constant("POST"),
    target: fc.constant("/webhooks/tokopedia/main"),
    headers: fc.array(header, { maxLength: 2 }),
    body: notification(),
    framing: fc.constantFrom("length", "chunked"),
    sign: fc.constant(true),
  });

const request = () =>
  fc.oneof({ weight: 3, arbitrary: anyRequest() }, { weight: 1, arbitrary: webhookRequest() });

function encode(r: FuzzRequest): Buffer {
  const bodyBytes = Buffer.from(r.body, "utf8");
  const lines = [`${r.method} ${r.target} HTTP/1.1`, "Host: 127.0.0.1"];
  for (const [k, v] of r.headers) lines.push(`${k}: ${v}`);
  if (r.sign) lines.push(`Authorization-Hmac: ${signTokopediaWebhook(TESTBED_WEBHOOK_SECRET, bodyBytes)}`);
  let payload: Buffer = Buffer.alloc(0);
  switch (r.framing) {
    case "none":
      break;
    case "length":
      lines.push(`Content-Length: ${bodyBytes.length}`);
      payload = bodyBytes;
      break;
    case "wrong-length":
      lines.push(`Content-Length: ${bodyBytes.length + 7}`);
      payload = bodyBytes;
      break;
    case "chunked":
      lines.push("Transfer-Encoding: chunked");
      payload = Buffer.concat([
        Buffer.from(`${bodyBytes.length.toString(16)}\r\n`),
        bodyBytes,
        Buffer.from(bodyBytes.length > 0 ? "\r\n0\r\n\r\n" : "\r\n"),
      ]);
      break;
    case "broken-chunked":
      lines.push("Transfer-Encoding: chunked");
      payload = Buffer.concat([Buffer.from("zz;ext\r\n"), bodyBytes, Buffer.from("\r\n")]);
      break;
    case "both":
      lines.push(`Content-Length: ${bodyBytes.length}`, "Transfer-Encoding: chunked");
      payload = bodyBytes;
      break;
  }
  return Buffer.concat([Buffer.from(`${lines.join("\r\n")}\r\n\r\n`, "latin1"), payload]);
}

function acceptable(r: FuzzRequest, a: RawAnswer): boolean {
  if (a.timedOut) return false;
  if (a.status === undefined) return a.closed;
  if (a.status < 500) return true;
  // Readiness answers 503 while a shop is unhealthy: an answer about the bridge, not a server failure.
  return a.status === 503 && /^\/readyz(\?|$)/.test(r.target);
}

it(
  `answers ${FUZZ.numRuns} random raw requests with a status below 500 or a close, and stays healthy`,
  async () => {
    await fc.assert(
      fc.asyncProperty(request(), async (r) => {
        current = `${r.method} ${r.target.slice(0, 200)}`;
        const answer = await rawRequest(daemon.port, encode(r), { timeoutMs: 5_000 });
        if (!acceptable(r, answer)) {
          throw new Error(
            `unacceptable answer ${JSON.stringify({ ...answer, raw: answer.raw.slice(0, 300) })}`,
          );
        }
        expect(handlerErrors).toEqual([]);
        expect(unhandled).toEqual([]);
      }),
      {
        ...FUZZ,
        interruptAfterTimeLimit: TIME_LIMIT_MS,
        markInterruptAsFailure: false,
      },
    );
    const health = await fetch(`${daemon.url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ ok: true });
    expect(handlerErrors).toEqual([]);
    expect(unhandled).toEqual([]);
  },
  TIME_LIMIT_MS + 30_000,
);
