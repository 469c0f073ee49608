/**
 * The one prompt interface of setup (both marketplaces), behind a small interface (the changesets habit):
 * production uses @inquirer/prompts (loaded only when a prompt is shown), tests answer by id with
 * scriptedPrompter().
 *
 * Every question has a stable `id`, so a test answers "tokopedia.fsId", not "the third question", and rewording a
 * question breaks no test.
 */

export interface PromptBase {
  /** Stable key of the question (tests answer by it); never derived from the wording. */
  id: string;
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
 * `asked` records every question id in order, `defaults` the default each was shown with.
 */
export function scriptedPrompter(
  script: Record<string, ScriptedAnswer | ScriptedAnswer[]>,
): Prompter & { asked: string[]; defaults: { id: string; default: string | boolean | undefined }[] } {
  const queues = new Map<string, ScriptedAnswer[]>(
    Object.entries(script).map(([k, v]) => [k, Array.isArray(v) ? [...v] : [v]]),
  );
  const asked: string[] = [];
  const defaults: { id: string; default: string | boolean | undefined }[] = [];
  const next = (q: PromptBase & { default?: string | boolean }, fallback: ScriptedAnswer | undefined) => {
    asked.push(q.id);
    defaults.push({ id: q.id, default: q.default });
    const queue = queues.get(q.id);
    const a =
      queue && queue.length > 0
        ? queue.length === 1 && !Array.isArray(script[q.id])
          ? queue[0]
          : queue.shift()
        : fallback;
    if (a === undefined) throw new Error(`scriptedPrompter: no answer for "${q.id}" (${q.message})`);
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
    defaults,
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
      if (!hit) throw new Error(`scriptedPrompter: "${a}" is not a choice of ${q.id}`);
      return hit.value;
    },
  };
}
