/** The built HTTP worker (dist/http-worker.js; `npm test` builds before vitest runs), for tests that use it. */
export const HTTP_WORKER_SCRIPT = new URL("../../dist/http-worker.js", import.meta.url);
