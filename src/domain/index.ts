export {
  type Buyer,
  type BuyerPlatform,
  isSourceKind,
  type SenderRole,
  SOURCE_KINDS,
  type SourceKind,
} from "./marketplace.js";
export type { MessageContent } from "./message-content.js";
