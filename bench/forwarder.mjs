// The baseline: a minimal forwarder making the same upstream calls per message as the bridge (read the room's
// replies from Tokopedia, send the newest buyer reply to Kommo's amojo, signed), with no persistence, no queue and
// no retries. Run as a child process: node bench/forwarder.mjs <port> <json options>.
import { createServer } from "node:http";
import { KommoChatsClient, TokopediaClient } from "../dist/index.js";

const [port, raw] = process.argv.slice(2);
const o = JSON.parse(raw);
const tokopedia = new TokopediaClient(o.tokopedia);
const kommo = new KommoChatsClient(o.kommo);
let count = 0;

createServer(async (req, res) => {
  if (req.method === "GET") {
    res.end("ok");
    return;
  }
  const chunks = [];
  for await (const c of req) chunks.push(c);
  try {
    const hook = JSON.parse(Buffer.concat(chunks).toString("utf8"));
    const shopId = String(hook.shop_id);
    const roomId = String(hook.msg_id);
    const replies = await tokopedia.listReplies(shopId, roomId, { perPage: 15, order: "desc" });
    // The read is made (same upstream call as the bridge) but a forwarder without state cannot tell which reply
    // is new under concurrency, so it forwards the webhook's own text with a per-webhook id.
    if (!Array.isArray(replies)) throw new Error("bad replies");
    const seq = ++count;
    const now = Date.now();
    await kommo.sendMessage(o.scopeId, {
      timestamp: Math.floor(now / 1000),
      msec_timestamp: now,
      msgid: `fwd:${shopId}:${roomId}:${seq}`,
      conversation_id: `fwd:${shopId}:${roomId}`,
      silent: false,
      sender: { id: `fwd:user:${hook.buyer_id}`, name: hook.full_name ?? "buyer" },
      message: { type: "text", text: hook.message },
    });
    res.end("ok");
  } catch (err) {
    res.statusCode = 500;
    res.end(String(err));
  }
}).listen(Number(port), "127.0.0.1");
