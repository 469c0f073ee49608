export {
  type Buyer,
  type BuyerPlatform,
  isSourceKind,
  type SenderRole,
  SOURCE_KINDS,
  type SourceKind,
  shopKey,
} from "./marketplace.js";
export type { MessageContent } from "./message-content.js";
