/**
 * Removes every trailing '/' from a base URL or path ("https://x/api//" -> "https://x/api"). A loop rather than
 * `replace(/\/+$/, "")`: that pattern is retried from every '/' of a long run, so a value of many slashes followed
 * by another character costs quadratic time.
 */
export function trimTrailingSlashes(s: string): string {
  let end = s.length;
  while (end > 0 && s.charCodeAt(end - 1) === 47 /* / */) end--;
  return end === s.length ? s : s.slice(0, end);
}
