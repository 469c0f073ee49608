/**
 * Where a TikTok Shop seller's tokens live in the state file's token table: `tiktokshop:{app}:{open_id}`, one row
 * per seller authorization of an app. Every reader and writer builds the key here.
 */

/** The key of one seller's tokens. */
export function tiktokshopTokenKey(appName: string, openId: string): string {
  return `${tiktokshopTokenPrefix(appName)}${openId}`;
}

/** The prefix shared by every seller token of one app (for listing them). */
export function tiktokshopTokenPrefix(appName: string): string {
  return `tiktokshop:${appName}:`;
}

/** The open id a key names, or undefined when the key is not one of this app's. */
export function openIdOfTokenKey(appName: string, key: string): string | undefined {
  const prefix = tiktokshopTokenPrefix(appName);
  return key.startsWith(prefix) ? key.slice(prefix.length) : undefined;
}
