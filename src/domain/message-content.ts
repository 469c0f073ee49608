/** Source-neutral content of one inbound message; each source renders its platform's kinds into these, and the
 * engine renders these for Kommo. */
export type MessageContent =
  | { kind: "text"; text: string }
  | { kind: "image"; url: string; width?: number; height?: number }
  | { kind: "product"; name: string; price?: string; url?: string; imageUrl?: string }
  | { kind: "order"; code: string; total?: string; status?: string; url?: string; title?: string }
  | { kind: "sticker"; name?: string; url?: string }
  | { kind: "video"; url?: string }
  /** A short context line (buyer entered from a product page, system notice...). */
  | { kind: "context"; text: string }
  /** Anything we cannot render: a readable fallback text. */
  | { kind: "unknown"; text: string };
