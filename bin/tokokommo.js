#!/usr/bin/env node
// Thin shim: the program lives in the built dist/ (npm install runs `prepare`, which builds it).
import("../dist/cli.js").catch((err) => {
  if (err && err.code === "ERR_MODULE_NOT_FOUND" && String(err.message).includes("dist/cli.js")) {
    process.stderr.write("tokokommo: dist/ is missing; run `npm run build` (npm install does it for you)\n");
    process.exit(1);
  }
  throw err;
});
