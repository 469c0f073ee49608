/**
 * The shapes of names and ids in the config, shared by the schema and the setup prompts that ask for them.
 *
 * App and account names appear in webhook URLs (/webhooks/tokopedia/{app}) and env var names, so they are kept to
 * URL- and shell-safe characters.
 */
export const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

export const NAME_RULE = "must be 1-64 letters, digits, '-' or '_', starting with a letter or digit";

/** Shop ids become part of Kommo ids such as `tkp:{shop_id}:{msg_id}`, so no ':' or spaces. */
export const SHOP_ID_RE = /^[A-Za-z0-9_-]{1,64}$/;
