export { type ExitCode, isTkError, TkError, type TkErrorOptions, usageError } from "./tk-error.js";
