/**
 * The one reader of HTTP `Retry-After` (RFC 9110 §10.2.3) for every platform client: Kommo, Tokopedia and
 * TikTok Shop, and the job scheduler's backoff.
 *
 * The header is either delta-seconds ("120") or an HTTP-date ("Wed, 21 Oct 2015 07:28:00 GMT", plus the two
 * obsolete date forms a sender may still use). A date is a wall-clock time, so it is measured against `now`,
 * the caller's (injectable) wall clock. Anything else (negative numbers, words, a lenient date such as
 * "next 5") is unreadable and gives undefined, so the caller falls back to its own delay; Date.parse alone would
 * accept many such strings. A delay larger than MAX_RETRY_AFTER_MS is cut to it: a broken proxy or a hostile
 * server must not park a job for days.
 */

/** The longest wait a Retry-After can impose (1 hour). */
export const MAX_RETRY_AFTER_MS = 60 * 60_000;

/**
 * IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT"), RFC 850 ("Sunday, 06-Nov-94 08:49:37 GMT") and asctime
 * ("Sun Nov  6 08:49:37 1994"): fixed shapes, no nested repetition. A literal, so test/regex-linear.test.ts checks it.
 */
const HTTP_DATE =
  /^(?:(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} GMT|(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday), \d{2}-(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)-\d{2} \d{2}:\d{2}:\d{2} GMT|(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) (?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) [ \d]\d \d{2}:\d{2}:\d{2} \d{4})$/;
/** delta-seconds; fractions are not in the RFC but some servers send them, and they are harmless. */
const DELTA_SECONDS = /^\d{1,15}(?:\.\d{1,6})?$/;

/**
 * Delay in ms asked for by a Retry-After value (the first one if the header is repeated), relative to `now`
 * (ms since the epoch) for the date form; undefined when absent or unreadable; at most MAX_RETRY_AFTER_MS.
 * A date in the past gives 0.
 */
export function parseRetryAfter(
  value: string | readonly string[] | undefined,
  now: number = Date.now(),
): number | undefined {
  const raw = (typeof value === "string" ? value : value?.[0])?.trim();
  if (!raw || raw.length > 64) return undefined;
  let ms: number;
  if (DELTA_SECONDS.test(raw)) ms = Math.round(Number(raw) * 1000);
  else if (HTTP_DATE.test(raw)) ms = httpDateMs(raw, now) - now;
  else return undefined;
  if (!Number.isFinite(ms)) return undefined;
  return Math.min(Math.max(ms, 0), MAX_RETRY_AFTER_MS);
}

/** ms since the epoch of a date HTTP_DATE matched; RFC 850's two-digit year is read as 19xx/20xx per RFC 9110. */
function httpDateMs(raw: string, now: number): number {
  const rfc850 = /^[A-Za-z]+, (\d{2})-([A-Za-z]{3})-(\d{2}) (\d{2}:\d{2}:\d{2}) GMT$/.exec(raw);
  if (!rfc850) return Date.parse(raw.endsWith("GMT") ? raw : `${raw} GMT`);
  const [, day, month, yy, time] = rfc850;
  // A two-digit year more than 50 years in the future means the most recent past year with those digits.
  const thisYear = new Date(now).getUTCFullYear();
  let year = 2000 + Number(yy);
  if (year > thisYear + 50) year -= 100;
  return Date.parse(`${day} ${month} ${year} ${time} GMT`);
}
