/**
 * Why an upstream call is made, where the call itself cannot tell. A read is normally a read (sweeps, room syncs),
 * but the read a reply makes before sending again — was an earlier attempt's message already delivered? — is part
 * of the reply: a source with a daily quota (TikTok Shop) lets it use the share kept for replies.
 */
import { AsyncLocalStorage } from "node:async_hooks";

const purpose = new AsyncLocalStorage<"reply">();

/** Runs `fn` with every upstream call it makes counted as part of a reply. */
export function asReplyCall<T>(fn: () => Promise<T>): Promise<T> {
  return purpose.run("reply", fn);
}

/** "reply" inside asReplyCall, else undefined. */
export function callPurpose(): "reply" | undefined {
  return purpose.getStore();
}
