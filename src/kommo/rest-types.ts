/**
 * The shapes of the Kommo REST v4 client (rest-client.ts): its options and what it returns.
 */
import type { TokenStore } from "../auth/token-store.js";
import type { KommoRateLimiter } from "./limiter.js";

export type KommoRestAuth =
  | { kind: "longLived"; token: string }
  | { kind: "oauth"; clientId: string; clientSecret: string; redirectUri: string };

export interface KommoRestClientOptions {
  /** The account's own host, subdomain already applied (https://acme.kommo.com; tests: the simulator URL). */
  baseUrl: string;
  auth: KommoRestAuth;
  /** Where OAuth pairs live (SQLite in production). Required for OAuth. */
  tokenStore?: TokenStore;
  /** Store key of this account's pair, e.g. `kommo:acme`. Also the default limiter key. */
  tokenKey: string;
  /** Defaults to getKommoLimiter(tokenKey): shared by every client of the account in this process. */
  limiter?: KommoRateLimiter;
  now?: () => number;
  timeoutMs?: number;
  /** Refresh OAuth tokens this long before expiry, default 5 minutes. */
  refreshSkewMs?: number;
}

export interface KommoAccount {
  id: number;
  name: string;
  subdomain: string;
  amojoId: string;
  currentUserId?: number;
}

export interface KommoContact {
  id: number;
  name: string;
  leadIds: number[];
}

export interface ChatLink {
  id?: number;
  chatId: string;
  contactId: number;
}

/** A task the reply-time guard puts on a lead (complete_till in Unix seconds). */
export interface NewLeadTask {
  leadId: number;
  text: string;
  completeTill: number;
  responsibleUserId?: number;
  /** 1 (follow-up, built in) unless given. */
  taskTypeId?: number;
}
