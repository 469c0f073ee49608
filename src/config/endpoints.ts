import type { Endpoints } from "./schema.js";

/**
 * The Kommo REST base URL for an account: `{subdomain}` in endpoints.kommoApi is replaced; a URL without
 * the placeholder (a simulator) is used as it is.
 */
export function kommoApiUrl(endpoints: Pick<Endpoints, "kommoApi">, subdomain: string): string {
  return endpoints.kommoApi.replaceAll("{subdomain}", subdomain);
}
