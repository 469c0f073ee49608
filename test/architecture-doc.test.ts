/** docs/architecture.md's Layers table names every folder of src/, so a newcomer finds each one explained. */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { expect, it } from "vitest";

it("every folder of src/ has a row in docs/architecture.md's Layers table", () => {
  const doc = readFileSync("docs/architecture.md", "utf8");
  const folders = readdirSync("src").filter((name) => statSync(join("src", name)).isDirectory());
  const missing = folders.filter((name) => !doc.includes(`| \`src/${name}/\` |`));
  expect(missing, "add a row `| `src/NAME/` | what it is for |` to the Layers table").toEqual([]);
});
