/**
 * The prompts `init` asks, behind a small interface (the changesets habit): production uses @inquirer/prompts
 * (loaded only when a prompt is shown), tests answer by name with scriptedPrompter().
 *
 * Every question has a stable `name`, so a test answers "tokopedia.fsId", not "the third question".
 */

export interface PromptBase {
  /** Stable key of the question (tests answer by it). */
  name: string;
  message: string;
}

export interface Prompter {
  input(q: PromptBase & { default?: string; validate?: (v: string) => true | string }): Promise<string>;
  password(q: PromptBase & { validate?: (v: string) => true | string }): Promise<string>;
  confirm(q: PromptBase & { default?: boolean }): Promise<boolean>;
  select<T extends string>(
    q: PromptBase & { choices: { value: T; name: string }[]; default?: T },
  ): Promise<T>;
}

/** inquirer's error when the user presses Ctrl-C at a prompt; scripted prompters throw the same name. */
export function isPromptExit(err: unknown): boolean {
  return err instanceof Error && err.name === "ExitPromptError";
}

export function inquirerPrompter(): Prompter {
  const lib = () => import("@inquirer/prompts");
  return {
    async input(q) {
      return (await lib()).input({
        message: q.message,
        ...(q.default !== undefined ? { default: q.default } : {}),
        ...(q.validate ? { validate: q.validate } : {}),
      });
    },
    async password(q) {
      return (await lib()).password({
        message: q.message,
        mask: "*",
        ...(q.validate ? { validate: q.validate } : {}),
      });
    },
    async confirm(q) {
      return (await lib()).confirm({
        message: q.message,
        ...(q.default !== undefined ? { default: q.default } : {}),
      });
    },
    async select(q) {
      return (await lib()).select({
        message: q.message,
        choices: q.choices,
        ...(q.default !== undefined ? { default: q.default } : {}),
      });
    },
  };
}

/** An answer that makes the prompt behave as if the user pressed Ctrl-C. */
export const INTERRUPT: unique symbol = Symbol("interrupt");
export type ScriptedAnswer = string | boolean | typeof INTERRUPT;

/**
 * Answers prompts from a script: `{ "tokopedia.fsId": "13004", ... }`; a list answers the same question several
 * times (a retried step). A question with no scripted answer takes its default, else fails the test loudly.
 * `asked` records every question name in order.
 */
export function scriptedPrompter(
  script: Record<string, ScriptedAnswer | ScriptedAnswer[]>,
): Prompter & { asked: string[] } {
  const queues = new Map<string, ScriptedAnswer[]>(
    Object.entries(script).map(([k, v]) => [k, Array.isArray(v) ? [...v] : [v]]),
  );
  const asked: string[] = [];
  const next = (q: PromptBase, fallback: ScriptedAnswer | undefined): ScriptedAnswer => {
    asked.push(q.name);
    const queue = queues.get(q.name);
    const a =
      queue && queue.length > 0
        ? queue.length === 1 && !Array.isArray(script[q.name])
          ? queue[0]
          : queue.shift()
        : fallback;
    if (a === undefined) throw new Error(`scriptedPrompter: no answer for "${q.name}" (${q.message})`);
    if (a === INTERRUPT) {
      const err = new Error("User force closed the prompt with SIGINT");
      err.name = "ExitPromptError";
      throw err;
    }
    return a;
  };
  const validated = (q: { validate?: (v: string) => true | string }, v: string) => {
    const ok = q.validate ? q.validate(v) : true;
    if (ok !== true) throw new Error(`scriptedPrompter: answer ${JSON.stringify(v)} refused: ${ok}`);
    return v;
  };
  return {
    asked,
    async input(q) {
      return validated(q, String(next(q, q.default)));
    },
    async password(q) {
      return validated(q, String(next(q, undefined)));
    },
    async confirm(q) {
      const a = next(q, q.default);
      return a === true || a === "y" || a === "yes";
    },
    async select(q) {
      const a = String(next(q, q.default));
      const hit = q.choices.find((c) => c.value === a);
      if (!hit) throw new Error(`scriptedPrompter: "${a}" is not a choice of ${q.name}`);
      return hit.value;
    },
  };
}
