/**
 * Get Customer Service Performance (`GET /customer_service/202407/performance`, docs/platforms/tiktokshop.md#customer-service-performance)
 * in the simulator: `support_date_ge` and `support_date_lt` (YYYY-MM-DD, UTC days here, the end exclusive) are
 * required; the answer is one aggregate for the period computed from the simulated chats. A session is a conversation
 * whose buyer wrote in the period; it counts as answered when a shop-side message (shop, agent or robot) followed
 * within 24 hours; the response time is the average first response in minutes. Ratings are not simulated:
 * satisfaction is what `satisfactionPercentage` of the sim's options says ("100.0" by default). Numbers besides the
 * session count are strings, as on the wire.
 */
import type { SimCore } from "./core.js";
import type { SimConversation } from "./state.js";

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const DAY_S = 86_400;

export interface PerformanceResult {
  code: number;
  message?: string;
  data?: unknown;
}

function day(v: string | null): number | undefined {
  if (!v || !DATE.test(v)) return undefined;
  const t = Date.parse(`${v}T00:00:00Z`);
  return Number.isNaN(t) ? undefined : t / 1000;
}

/** The first buyer message in [from, to) and the first shop-side message after it (seconds). */
function session(
  c: SimConversation,
  from: number,
  to: number,
): { asked: number; answered?: number } | undefined {
  const asked = c.messages.find(
    (m) => m.sender.role === "BUYER" && m.createTime >= from && m.createTime < to,
  );
  if (!asked) return undefined;
  const answer = c.messages.find(
    (m) => m.sender.role !== "BUYER" && m.sender.role !== "SYSTEM" && m.createTime >= asked.createTime,
  );
  return { asked: asked.createTime, ...(answer ? { answered: answer.createTime } : {}) };
}

export function csPerformance(
  core: SimCore,
  shopId: string,
  q: URLSearchParams,
  satisfaction = "100.0",
): PerformanceResult {
  const from = day(q.get("support_date_ge"));
  const to = day(q.get("support_date_lt"));
  if (from === undefined || to === undefined || to <= from)
    return {
      code: 45101001,
      message: "Invalid parameter: support_date_ge and support_date_lt (YYYY-MM-DD, ge < lt)",
    };
  const sessions = [...core.state.conversations.values()]
    .filter((c) => c.shopId === shopId)
    .flatMap((c) => session(c, from, to) ?? []);
  const answered = sessions.filter((s) => s.answered !== undefined && s.answered - s.asked <= DAY_S);
  const share = sessions.length === 0 ? 0 : (answered.length / sessions.length) * 100;
  const mins =
    answered.length === 0
      ? 0
      : answered.reduce((n, s) => n + (s.answered! - s.asked), 0) / answered.length / 60;
  return {
    code: 0,
    data: {
      performance: {
        support_session_count: sessions.length,
        response_percentage: share.toFixed(1),
        satisfaction_percentage: satisfaction,
        response_time_mins: mins.toFixed(1),
      },
    },
  };
}
