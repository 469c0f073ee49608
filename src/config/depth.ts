/**
 * How deeply a config file's JSON may nest. A real config is at most five levels deep (`kommo.accounts[0].auth.
 * longLivedToken`); every later step (copying, env secrets, validation, error reports) walks the value, and a
 * file nested thousands of levels deep would overflow the stack in one of them. This check is a loop with its
 * own stack, so it cannot overflow itself, and it runs before any of them.
 */

/** Far above any real config, far below what a recursive walk can take. */
export const MAX_CONFIG_DEPTH = 32;

/**
 * The key path to the first value nested deeper than `maxDepth` levels (objects and arrays count one level
 * each), or undefined when `raw` stays within it.
 */
export function firstTooDeep(
  raw: unknown,
  maxDepth: number = MAX_CONFIG_DEPTH,
): (string | number)[] | undefined {
  const stack: { value: unknown; path: (string | number)[] }[] = [{ value: raw, path: [] }];
  while (stack.length > 0) {
    const { value, path } = stack.pop()!;
    if (typeof value !== "object" || value === null) continue;
    if (path.length >= maxDepth) return path;
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) stack.push({ value: value[i], path: [...path, i] });
    } else for (const [k, v] of Object.entries(value)) stack.push({ value: v, path: [...path, k] });
  }
  return undefined;
}
