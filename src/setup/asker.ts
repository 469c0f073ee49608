/**
 * One way to get an answer in both init modes and for both marketplaces: a flag wins, then the env (secrets),
 * then a prompt when interactive, then the default; non-interactive with nothing left is a usage error naming
 * the flag. `fresh` (a retried step) ignores flags and env: their value was just refused. The answers a failed
 * step got are kept, and offered again as defaults when the step asks again.
 */
import type { Prompter } from "../cli/prompts.js";
import type { Env } from "../config/index.js";
import { TkError, usageError } from "../errors/index.js";

export interface Question {
  /** Stable prompt id (tests answer by it). */
  id: string;
  message: string;
  /** The flag that answers it, e.g. "--fs-id" (for messages); none for secrets that come only from the env. */
  flag?: string;
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

/** How a question is answered from outside: "--fs-id", "--client-secret or env X", "env X". */
export function answerSource(q: Pick<Question, "flag" | "envVar">): string {
  const env = q.envVar ? `env ${q.envVar}` : "";
  return q.flag ? `${q.flag}${env ? ` (or ${env})` : ""}` : env;
}

export class Asker {
  /** The last answer given to each question id, offered as its default when asked again. */
  private readonly previous = new Map<string, Answer>();

  constructor(
    readonly interactive: boolean,
    readonly prompter: Prompter,
    readonly env: Env,
    readonly write: Write,
  ) {}

  async ask(q: Question, fresh = false): Promise<Answer | undefined> {
    const a = await this.answer(q, fresh);
    if (a) this.previous.set(q.id, a);
    return a;
  }

  async need(q: Question, fresh = false): Promise<Answer> {
    const a = await this.ask(q, fresh);
    if (!a) throw usageError(`no answer for ${answerSource(q)}`, `pass ${answerSource(q)}`);
    return a;
  }

  private async answer(q: Question, fresh: boolean): Promise<Answer | undefined> {
    const source = answerSource(q);
    const check = (v: string, from: string): string => {
      const ok = q.validate ? q.validate(v) : true;
      if (ok !== true) throw usageError(`${from}: ${ok}`, `give a valid value with ${source}`);
      return v;
    };
    if (!fresh && q.flag && q.flagValue !== undefined && q.flagValue !== "")
      return { value: check(q.flagValue, q.flag), fromEnv: false };
    const envValue = q.envVar ? this.env[q.envVar] : undefined;
    if (!fresh && envValue) return { value: check(envValue, q.envVar ?? ""), fromEnv: true };
    if (this.interactive) return this.prompt(q);
    if (q.default !== undefined) return { value: q.default, fromEnv: false };
    if (q.optional) return undefined;
    if (fresh)
      throw new TkError("TK_ERR_SETUP_ABORTED", `the value of ${source} was refused`, {
        fix: `correct ${source} and run again`,
        exitCode: 1,
      });
    throw usageError(`init --no-interactive needs ${source}: ${q.message}`, `pass ${source}`);
  }

  /**
   * Asks a person; a question asked before offers the earlier answer (a secret: empty keeps it, still marked as
   * coming from the env when it did). An optional question keeps "empty" meaning "none".
   */
  private async prompt(q: Question): Promise<Answer | undefined> {
    const earlier = q.optional ? undefined : this.previous.get(q.id);
    const fallback = earlier?.value ?? q.default;
    const validate = (v: string) =>
      v === "" && (q.optional || fallback !== undefined)
        ? true
        : v === ""
          ? "an answer is needed"
          : q.validate
            ? q.validate(v)
            : true;
    const v = q.secret
      ? await this.prompter.password({
          id: q.id,
          message: earlier !== undefined ? `${q.message} (empty: keep the one just given)` : q.message,
          validate,
        })
      : await this.prompter.input({
          id: q.id,
          message: q.message,
          validate,
          ...(fallback !== undefined ? { default: fallback } : {}),
        });
    if (v !== "") return { value: v, fromEnv: false };
    if (earlier) return earlier;
    return q.default !== undefined ? { value: q.default, fromEnv: false } : undefined;
  }

  /**
   * Runs a step until it succeeds. A failure is shown with its fix; interactive users may try again (the step
   * then re-asks its questions, offering the answers just given), non-interactive runs stop with the error.
   */
  async verified<T>(id: string, attempt: (fresh: boolean) => Promise<T>): Promise<T> {
    for (let tries = 0; ; tries++) {
      try {
        return await attempt(tries > 0);
      } catch (err) {
        if (!(err instanceof TkError) || err.code === "TK_ERR_USAGE") throw err;
        if (!this.interactive) throw err;
        this.write(`  ✖ ${err.message}`);
        if (err.fix) this.write(`    fix: ${err.fix}`);
        const again = await this.prompter.confirm({
          id: `${id}.retry`,
          message: "Try again?",
          default: true,
        });
        if (!again)
          throw new TkError("TK_ERR_SETUP_ABORTED", `setup stopped at step "${id}"; nothing was written`, {
            fix: "fix what the step reported, then run `tokokommo init` again",
            exitCode: 1,
          });
      }
    }
  }
}
