/**
 * Rendering of source-neutral message content into a Kommo Chats API `message` object (docs/architecture.md,
 * Inbound). Kommo shows `text` messages as is and `picture` messages as images (with `text` as caption); everything
 * the Chats API cannot show natively becomes readable text.
 */
import type { MessageContent } from "../domain/index.js";

export interface KommoMessageBody {
  type: "text" | "picture";
  text: string;
  media?: string;
  file_name?: string;
}

function fileNameOf(url: string): string {
  try {
    const last = new URL(url).pathname.split("/").filter(Boolean).pop();
    return last && last.length <= 120 ? decodeURIComponent(last) : "image.jpg";
  } catch {
    return "image.jpg";
  }
}

function lines(...parts: (string | undefined)[]): string {
  return parts.filter((p): p is string => Boolean(p?.trim())).join("\n");
}

export function renderInbound(content: MessageContent): KommoMessageBody {
  switch (content.kind) {
    case "text":
      return { type: "text", text: content.text };
    case "image":
      return { type: "picture", text: "", media: content.url, file_name: fileNameOf(content.url) };
    case "product": {
      const text = lines(
        `🛍️ Product: ${content.name}`,
        content.price && `Price: ${content.price}`,
        content.url,
      );
      return content.imageUrl
        ? { type: "picture", text, media: content.imageUrl, file_name: fileNameOf(content.imageUrl) }
        : { type: "text", text };
    }
    case "order":
      return {
        type: "text",
        text: lines(
          `🧾 ${content.title ?? "Invoice"}: ${content.code}`,
          content.total && `Total: ${content.total}`,
          content.status && `Status: ${content.status}`,
          content.url,
        ),
      };
    case "sticker":
      return { type: "text", text: content.name ? `[Sticker: ${content.name}]` : "[Sticker]" };
    case "video":
      return { type: "text", text: content.url ? `[Video] ${content.url}` : "[Video]" };
    case "context":
      return { type: "text", text: `ℹ️ ${content.text}` };
    case "unknown":
      return { type: "text", text: content.text || "[Unsupported message]" };
  }
}
