/**
 * The simulator's own response helpers (not shared with the client: the client must parse what a real Kommo
 * would send, and these bodies follow the envelopes in docs/platforms/kommo.md).
 */
export interface SimReply {
  status: number;
  headers?: Record<string, string>;
  body?: string;
}

export function json(status: number, value: unknown, contentType = "application/json"): SimReply {
  return { status, headers: { "content-type": contentType }, body: JSON.stringify(value) };
}

export function empty(status: number): SimReply {
  return { status };
}

/** amojo error envelope (docs/platforms/kommo.md#chats-api-errors). */
export function amojoError(status: number, type: string, description: string): SimReply {
  return json(status, { status: 0, error_code: status, error_type: type, error_description: description });
}

/** REST v4 problem JSON (docs/platforms/kommo.md#rest-endpoints). */
export function problem(
  status: number,
  title: string,
  detail: string,
  extra: Record<string, unknown> = {},
): SimReply {
  return json(
    status,
    { title, type: `https://httpstatus.es/${status}`, status, detail, ...extra },
    "application/problem+json",
  );
}

/** OAuth problem JSON (docs/platforms/kommo.md#oauth-and-tokens). */
export function oauthProblem(hint: string): SimReply {
  return json(
    400,
    {
      hint,
      title: "Bad Request",
      type: "https://developers.amocrm.ru/v3/errors/OAuthProblemJson",
      status: 400,
      detail: "Some parameters are missing or invalid",
    },
    "application/problem+json",
  );
}

export function hal(value: unknown): SimReply {
  return json(200, value, "application/hal+json");
}

export type BodyMode = "json" | "html" | "empty";

/** 429 or 403 in one of the forms seen in the wild: documented JSON, gateway HTML, or nothing. */
export function limitReply(status: 429 | 403, mode: BodyMode): SimReply {
  if (mode === "empty") return { status };
  if (mode === "html") {
    const title = status === 429 ? "429 Too Many Requests" : "403 Forbidden";
    return {
      status,
      headers: { "content-type": "text/html" },
      body: `<html><head><title>${title}</title></head><body><center><h1>${title}</h1></center><hr><center>nginx</center></body></html>`,
    };
  }
  return status === 429
    ? problem(429, "Too Many Requests", "You have sent too many requests in a given amount of time.", {
        retry_after: 1,
      })
    : problem(403, "Forbidden", "Account is blocked for repeatedly exceeding the requests per second limit");
}
