/** Public API of the config layer (docs/configuration.md). Import lazily from CLI commands: it loads zod. */
export { kommoApiUrl } from "./endpoints.js";
export { type ConfigProblem, formatPath, renderProblems } from "./issues.js";
export {
  type CheckResult,
  checkConfig,
  loadConfig,
  parseConfigJson,
  type ValidateOptions,
  validateConfig,
} from "./load.js";
export { defaultConfigDir, defaultConfigPath, resolveConfigPath } from "./paths.js";
export { isSecretKey, REDACTED, redact, SECRET_KEY_RE } from "./redact.js";
export { saveConfig } from "./save.js";
export {
  type Config,
  createConfigSchema,
  DEFAULT_ENDPOINTS,
  type Endpoints,
  type KommoAccount,
  type KommoAuth,
  type Shop,
  type ShopSource,
  type TiktokshopApp,
  type TokopediaApp,
} from "./schema.js";
export {
  attachEnvSecrets,
  type Env,
  type EnvSecret,
  envSecretsOf,
  SECRET_FIELDS,
  type SecretField,
  secretEnvVar,
} from "./secrets.js";
export { asStarterConfig, readStarterConfig, type StarterConfig } from "./starter.js";
