/**
 * The order test files start in. Vitest starts the files that took longest last time first, from its cache of
 * results (node_modules/.vite); without that cache — a fresh clone, which is what CI runs — it starts the largest
 * files first, and the slowest end-to-end files (a PostgreSQL outage, the REST budget, the crash tests: 20–45 s
 * each) are not the largest: started among the last, they ran on alone after everything else had finished, about
 * 30–40 s of a run on 2 cores. So where any file has no cached result, the end-to-end files start first (the
 * largest first), then the rest: the end-to-end project holds about two thirds of the suite's time, and what is
 * left at the end is many short files that fill the workers evenly.
 */
import { relative } from "node:path";
import { BaseSequencer, type TestSpecification } from "vitest/node";

export default class EndToEndFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const key = (f: TestSpecification) => `${f.project.name}:${relative(this.ctx.config.root, f.moduleId)}`;
    if (files.every((f) => this.ctx.cache.getFileTestResults(key(f)))) return super.sort(files);
    const size = (f: TestSpecification) => this.ctx.cache.getFileStats(key(f))?.size ?? 0;
    const endToEnd = (f: TestSpecification) => (f.project.name === "e2e" ? 0 : 1);
    return [...files].sort((a, b) => endToEnd(a) - endToEnd(b) || size(b) - size(a));
  }
}
