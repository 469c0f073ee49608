export { ERROR_CODES, errorSpec, isTkErrorCode, type TkErrorCode } from "./codes.js";
export type { DocSection, ErrorCategory, ErrorSpec, ManagerText } from "./error-spec.js";
export { type ExitCode, isTkError, TkError, type TkErrorOptions, usageError } from "./tk-error.js";
