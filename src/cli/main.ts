/** Entry point of the `tokokommo` binary (bin/tokokommo.js imports the built copy of this file). */
import { main } from "./program.js";

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`error TK_ERR_INTERNAL: ${String(err)}\n`);
    process.exitCode = 1;
  },
);
