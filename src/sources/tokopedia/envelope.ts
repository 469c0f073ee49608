/**
 * Reads both Tokopedia response envelopes (docs/platforms/tokopedia.md#envelopes) into one shape:
 *  A: {"header":{"process_time","messages","reason","error_code"},"data":...}   (chat, shop-info, whitelist)
 *  B: {"data":...,"status":"200 Ok","error_message":[]}                       (webhooks, old shop-info)
 */
import { isObject, readNumber, readString } from "./fields.js";

export interface Envelope {
  form: "A" | "B" | "unknown";
  /** True when the HTTP status and the envelope both say success. */
  ok: boolean;
  data: unknown;
  /** HTTP status, or the status inside envelope B when it is an error and the HTTP one is not. */
  status: number;
  /** header.error_code as a string; "" for absent, 0 or the success ints 200. */
  errorCode: string;
  messages: string;
  reason: string;
  processTime?: number;
}

function errorCodeOf(v: unknown): string {
  if (v === undefined || v === null || v === 0 || v === 200 || v === "0" || v === "") return "";
  return readString(v) ?? "";
}

export function readEnvelope(body: unknown, httpStatus: number): Envelope {
  const httpOk = httpStatus >= 200 && httpStatus < 300;
  if (isObject(body) && isObject(body.header)) {
    const h = body.header;
    const errorCode = errorCodeOf(h.error_code);
    const reason = readString(h.reason) ?? "";
    const data = body.data ?? null;
    // A validation error may come with error_code 0 and data null, its only marker being the reason.
    const ok = httpOk && errorCode === "" && !(data === null && reason !== "");
    const processTime = readNumber(h.process_time);
    return {
      form: "A",
      ok,
      data,
      status: httpStatus,
      errorCode,
      messages: readString(h.messages) ?? "",
      reason,
      ...(processTime === undefined ? {} : { processTime }),
    };
  }
  if (isObject(body) && ("status" in body || "error_message" in body)) {
    const statusText = readString(body.status) ?? "";
    const inner = Number.parseInt(statusText, 10);
    const errors = Array.isArray(body.error_message)
      ? body.error_message.map((e) => readString(e) ?? "").filter((e) => e !== "")
      : [];
    const innerOk = Number.isNaN(inner) || (inner >= 200 && inner < 300);
    const ok = httpOk && innerOk && errors.length === 0;
    return {
      form: "B",
      ok,
      data: body.data ?? null,
      status: httpOk && !innerOk ? inner : httpStatus,
      errorCode: "",
      messages: errors.join("; "),
      reason: statusText,
    };
  }
  return {
    form: "unknown",
    ok: httpOk,
    data: body,
    status: httpStatus,
    errorCode: "",
    messages: "",
    reason: "",
  };
}
