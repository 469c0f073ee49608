#!/usr/bin/env node
/**
 * `npm test`'s first half: typecheck, lint and build are independent of each other (tsc emits nothing, biome skips
 * dist/, tsup reads only src/), so they run at the same time instead of one after the other (on 2 cores this takes
 * the slowest of them, about the typecheck, instead of their sum). Each one's output is held back and printed
 * whole under its own heading, in a fixed order, so a failure reads as it would alone; the exit code is 1 when any
 * failed, after all have finished, and the last line names the ones that failed.
 *
 * Usage: node scripts/static-checks.mjs [script …]   (npm scripts of package.json; default: typecheck lint build)
 */
import { spawn } from "node:child_process";

const scripts = process.argv.length > 2 ? process.argv.slice(2) : ["typecheck", "lint", "build"];
const npm = process.env.npm_execpath;

/** Runs `npm run <name>` with its stdout and stderr captured together, in the order they were written. */
function run(name) {
  const started = Date.now();
  // Under `npm test`, npm_execpath is npm's own CLI script: run it with this Node.js (no shell, no PATH lookup).
  const [cmd, args] = npm ? [process.execPath, [npm, "run", name]] : ["npm", ["run", name]];
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"] });
    const out = [];
    child.stdout.on("data", (d) => out.push(d));
    child.stderr.on("data", (d) => out.push(d));
    child.on("error", (err) => out.push(Buffer.from(`${err.message}\n`)));
    child.on("close", (code, signal) =>
      resolve({ name, ok: code === 0, code: code ?? signal, seconds: (Date.now() - started) / 1000, out }),
    );
  });
}

const results = await Promise.all(scripts.map(run));
for (const r of results) {
  const status = r.ok ? "ok" : `FAILED (exit ${r.code})`;
  process.stdout.write(`\n── npm run ${r.name}: ${status}, ${r.seconds.toFixed(1)} s\n`);
  process.stdout.write(Buffer.concat(r.out));
}
const failed = results.filter((r) => !r.ok).map((r) => r.name);
if (failed.length > 0) {
  process.stderr.write(`\nstatic checks failed: ${failed.join(", ")} (output under each heading above)\n`);
  process.exit(1);
}
process.stdout.write(`\nstatic checks passed: ${scripts.join(", ")}\n`);
