/**
 * Turns zod issues into readable problems: the exact key path, what is wrong, and a fix.
 * Values are echoed only where we wrote the message ourselves or for enums; secrets never.
 */
import type { z } from "zod";
import { envVarForPath } from "./secrets.js";

export interface ConfigProblem {
  /** Key path, e.g. `shops[0].kommoAccount`. */
  path: string;
  message: string;
  fix?: string;
}

export function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const p of path) {
    if (typeof p === "number") out += `[${p}]`;
    else out += out ? `.${String(p)}` : String(p);
  }
  return out || "(top level)";
}

function describeType(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  if (typeof v === "object") return "an object";
  if (typeof v === "number" && !Number.isInteger(v)) return "a decimal number";
  return `a ${typeof v}`;
}

function article(expected: string): string {
  if (expected === "int") return "a whole number";
  if (expected === "object" || expected === "array") return `an ${expected}`;
  return `a ${expected}`;
}

/** Minimal view of zod 4 internals used to list the keys an object accepts (for "did you mean"). */
interface SchemaDef {
  type?: string;
  innerType?: SchemaLike;
  in?: SchemaLike;
  element?: SchemaLike;
  shape?: Record<string, SchemaLike>;
}
interface SchemaLike {
  _zod: { def: SchemaDef };
}

function schemaAt(schema: SchemaLike, path: readonly PropertyKey[]): SchemaLike | undefined {
  let s: SchemaLike | undefined = schema;
  let i = 0;
  for (let guard = 0; s && guard < 100; guard++) {
    const def: SchemaDef = s._zod.def;
    const unwrapped = def.innerType ?? def.in;
    if (unwrapped) {
      s = unwrapped;
      continue;
    }
    if (i === path.length) return s;
    const p = path[i++];
    if (def.type === "object" && typeof p === "string") s = def.shape?.[p];
    else if (def.type === "array" && typeof p === "number") s = def.element;
    else return undefined;
  }
  return undefined;
}

function closest(word: string, options: string[]): string | undefined {
  const dist = (a: string, b: string) => {
    const d = Array.from({ length: b.length + 1 }, (_, j) => j);
    for (let i = 1; i <= a.length; i++) {
      let prev = d[0]!;
      d[0] = i;
      for (let j = 1; j <= b.length; j++) {
        const cur = d[j]!;
        d[j] = Math.min(
          d[j]! + 1,
          d[j - 1]! + 1,
          prev + (a[i - 1]!.toLowerCase() === b[j - 1]!.toLowerCase() ? 0 : 1),
        );
        prev = cur;
      }
    }
    return d[b.length]!;
  };
  let best: string | undefined;
  let bestD = Math.max(2, Math.floor(word.length / 3)) + 1;
  for (const o of options) {
    const dd = dist(word, o);
    if (dd < bestD) {
      best = o;
      bestD = dd;
    }
  }
  return best;
}

/** One zod issue → one or more problems (unknown keys are listed one by one). */
export function problemsFromIssues(
  issues: readonly z.core.$ZodIssue[],
  raw: unknown,
  schema: SchemaLike,
): ConfigProblem[] {
  const out: ConfigProblem[] = [];
  for (const issue of issues) {
    if (issue.code === "unrecognized_keys") {
      out.push(...unknownKeys(issue, schema));
      continue;
    }
    const envVar = envVarForPath(issue.path, raw);
    const input = (issue as { input?: unknown }).input;
    const params = (issue as { params?: Record<string, unknown> }).params;
    const last = issue.path[issue.path.length - 1];
    const key = typeof last === "string" ? last : undefined;
    let { message, fix } = explain(issue, input, key, envVar);
    if (typeof params?.fix === "string" && fix === undefined) fix = params.fix;
    if (envVar !== undefined && (input === undefined || params?.missingSecret === true)) {
      message = `${message === "is required" ? "is missing" : message} (a secret: put it in the file or set ${envVar})`;
      fix = `set ${envVar} in the environment, or add "${key ?? "it"}" to the file`;
    } else if (envVar !== undefined) {
      fix = fix ?? `correct it, or set ${envVar}`;
    }
    out.push({ path: formatPath(issue.path), message, ...(fix ? { fix } : {}) });
  }
  return out;
}

/** Each unknown key as a problem of its own, with the closest allowed key as a guess. */
function unknownKeys(issue: z.core.$ZodIssueUnrecognizedKeys, schema: SchemaLike): ConfigProblem[] {
  const allowedDef = schemaAt(schema, issue.path)?._zod.def;
  const allowed = allowedDef?.type === "object" ? Object.keys(allowedDef.shape ?? {}) : [];
  return issue.keys.map((k) => {
    const guess = closest(k, allowed);
    return {
      path: formatPath([...issue.path, k]),
      message: "is not a known key",
      fix: guess
        ? `did you mean ${JSON.stringify(guess)}? Otherwise remove it`
        : `remove it${allowed.length ? ` (keys allowed here: ${allowed.join(", ")})` : ""}`,
    };
  });
}

/** The message and fix of one issue in plain words (a custom issue keeps its own; its fix comes from params). */
function explain(
  issue: z.core.$ZodIssue,
  input: unknown,
  key: string | undefined,
  envVar: string | undefined,
): { message: string; fix?: string | undefined } {
  switch (issue.code) {
    case "invalid_type":
      return input === undefined
        ? { message: "is required", fix: key ? `add "${key}"` : undefined }
        : {
            message: `must be ${article(issue.expected)}, not ${describeType(input)}`,
            fix: `write it as ${article(issue.expected)}`,
          };
    case "invalid_value": {
      const options = issue.values.map((v) => JSON.stringify(v)).join(", ");
      const got = envVar === undefined && input !== undefined ? ` (got ${JSON.stringify(input)})` : "";
      const expected = issue.values.length === 1 ? options : `one of ${options}`;
      return {
        message: input === undefined ? "is required" : `must be ${expected}${got}`,
        fix: issue.values.length === 1 ? `set it to ${options}` : `use one of ${options}`,
      };
    }
    case "too_small":
      if (issue.origin === "array") {
        return {
          message:
            issue.minimum === 1 ? "needs at least one entry" : `needs at least ${issue.minimum} entries`,
          fix: "add an entry (`tokokommo init` or `tokokommo shops add` can do it)",
        };
      }
      if (issue.origin === "string") return { message: "must not be empty" };
      return {
        message: `must be at least ${String(issue.minimum)}`,
        fix: `set it to ${String(issue.minimum)} or more`,
      };
    case "too_big":
      return {
        message: `must be at most ${String(issue.maximum)}`,
        fix: `set it to ${String(issue.maximum)} or less`,
      };
    default:
      return { message: issue.message };
  }
}

/** The multi-line text the CLI prints: one problem per line, each with its fix. */
export function renderProblems(source: string | undefined, problems: readonly ConfigProblem[]): string {
  const n = problems.length;
  const where = source ? ` in ${source}` : "";
  const lines = [`invalid configuration${where} (${n} problem${n === 1 ? "" : "s"}):`];
  for (const p of problems) {
    lines.push(`  ${p.path}: ${p.message}`);
    if (p.fix) lines.push(`    fix: ${p.fix}`);
  }
  return lines.join("\n");
}
