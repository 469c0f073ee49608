/**
 * One way to get an answer in both init modes: a flag wins, then the env (secrets), then a prompt when
 * interactive, then the default; non-interactive with nothing left is a usage error naming the flag.
 * `fresh` (a retried step) ignores flags and env: their value was just refused.
 */
import type { Prompter } from "../cli/prompts.js";
import type { Env } from "../config/index.js";
import { TkError, usageError } from "../errors/index.js";

export interface Question {
  /** Stable prompt name (tests answer by it). */
  name: string;
  message: string;
  /** The flag that answers it, e.g. "--fs-id" (for messages). */
  flag: string;
  flagValue?: string | undefined;
  /** Env var that may hold it (secrets). */
  envVar?: string;
  default?: string;
  secret?: boolean;
  optional?: boolean;
  validate?: (v: string) => true | string;
}

export interface Answer {
  value: string;
  /** Came from the env var: keep it out of the config file. */
  fromEnv: boolean;
}

export type Write = (line: string) => void;

export class Asker {
  constructor(
    readonly interactive: boolean,
    readonly prompter: Prompter,
    readonly env: Env,
    readonly write: Write,
  ) {}

  async ask(q: Question, fresh = false): Promise<Answer | undefined> {
    const check = (v: string, from: string): string => {
      const ok = q.validate ? q.validate(v) : true;
      if (ok !== true) throw usageError(`${from}: ${ok}`, `give a valid value with ${q.flag}`);
      return v;
    };
    if (!fresh && q.flagValue !== undefined && q.flagValue !== "")
      return { value: check(q.flagValue, q.flag), fromEnv: false };
    const envValue = q.envVar ? this.env[q.envVar] : undefined;
    if (!fresh && envValue) return { value: check(envValue, q.envVar ?? ""), fromEnv: true };
    if (this.interactive) {
      const validate = (v: string) =>
        v === "" && q.optional
          ? true
          : v === "" && q.default === undefined
            ? "an answer is needed"
            : q.validate && v !== ""
              ? q.validate(v)
              : true;
      const v = q.secret
        ? await this.prompter.password({ name: q.name, message: q.message, validate })
        : await this.prompter.input({
            name: q.name,
            message: q.message,
            validate,
            ...(q.default !== undefined ? { default: q.default } : {}),
          });
      if (v === "") return q.default !== undefined ? { value: q.default, fromEnv: false } : undefined;
      return { value: v, fromEnv: false };
    }
    if (q.default !== undefined) return { value: q.default, fromEnv: false };
    if (q.optional) return undefined;
    if (fresh)
      throw new TkError("TK_ERR_SETUP_ABORTED", `the value of ${q.flag} was refused`, {
        fix: `correct ${q.flag} and run again`,
        exitCode: 1,
      });
    throw usageError(
      `init --no-interactive needs ${q.flag}${q.envVar ? ` (or env ${q.envVar})` : ""}: ${q.message}`,
      `pass ${q.flag}${q.envVar ? ` or set ${q.envVar}` : ""}`,
    );
  }

  async need(q: Question, fresh = false): Promise<Answer> {
    const a = await this.ask(q, fresh);
    if (!a) throw usageError(`no answer for ${q.flag}`, `pass ${q.flag}`);
    return a;
  }

  /**
   * Runs a step until it succeeds. A failure is shown with its fix; interactive users may try again (the step
   * then re-asks its questions), non-interactive runs stop with the error.
   */
  async verified<T>(name: string, attempt: (fresh: boolean) => Promise<T>): Promise<T> {
    for (let tries = 0; ; tries++) {
      try {
        return await attempt(tries > 0);
      } catch (err) {
        if (!(err instanceof TkError) || err.code === "TK_ERR_USAGE") throw err;
        if (!this.interactive) throw err;
        this.write(`  ✖ ${err.message}`);
        if (err.fix) this.write(`    fix: ${err.fix}`);
        const again = await this.prompter.confirm({
          name: `${name}.retry`,
          message: "Try again?",
          default: true,
        });
        if (!again)
          throw new TkError("TK_ERR_SETUP_ABORTED", `setup stopped at step "${name}"; nothing was written`, {
            fix: "fix what the step reported, then run `tokokommo init` again",
            exitCode: 1,
          });
      }
    }
  }
}
