/**
 * What the engine needs from the outside world, as interfaces (docs/architecture.md, Layers: the engine speaks to a
 * source adapter and to Kommo through interfaces, not concrete clients). The concrete clients in src/kommo and
 * src/sources satisfy these structurally; tests and the sandbox wire them to the simulators.
 */
import type { IncomingLeadsPort } from "./pending-leads-port.js";
import type { KommoMessageBody } from "./render-inbound.js";

export interface KommoParticipant {
  id: string;
  name: string;
  ref_id?: string;
  avatar?: string;
  profile_link?: string;
}

/** The `payload` of an amojo `new_message` event (docs/platforms/kommo.md#chats-api-endpoints). */
export interface KommoNewMessagePayload {
  timestamp: number;
  msec_timestamp: number;
  msgid: string;
  conversation_id: string;
  conversation_ref_id?: string;
  silent: boolean;
  /** The shop's Kommo lead source: the chat's incoming lead lands in that source's pipeline. */
  source?: { external_id: string };
  sender: KommoParticipant;
  receiver?: KommoParticipant;
  message: KommoMessageBody;
}

export interface KommoSendResult {
  amojoMessageId: string;
  amojoChatId?: string;
}

export interface KommoDeliveryStatus {
  status: 1 | 2 | -1;
  errorCode?: number;
  error?: string;
}

export interface KommoChatsPort {
  sendMessage(scopeId: string, payload: KommoNewMessagePayload): Promise<KommoSendResult>;
  sendDeliveryStatus(scopeId: string, amojoMessageId: string, status: KommoDeliveryStatus): Promise<void>;
  /**
   * The amojo chat of a conversation. Kommo's chat creation is idempotent on conversation_id: for a conversation
   * that has a chat it answers that chat's id and creates nothing. Used when the answer to a chat's first message
   * was lost, to learn the chat id anyway.
   */
  createChat?(
    scopeId: string,
    input: {
      conversationId: string;
      sourceExternalId?: string;
      user: { id: string; name: string; avatar?: string };
    },
  ): Promise<{ amojoChatId: string }>;
}

/**
 * Optional REST side (only when the account has REST auth configured): lead enrichment. Writes to a lead (its price,
 * through `incoming` its tags, user and stage) are only made once the lead has left the incoming stage; notes any time.
 */
export interface KommoRestPort {
  /** The chat's newest lead; undefined while Kommo has made none. */
  leadOfChat?(amojoChatId: string): Promise<number | undefined>;
  addLeadNote?(leadId: number, text: string): Promise<{ noteId: number }>;
  /** Replaces the text of a note the bridge created. */
  editLeadNote?(leadId: number, noteId: number, text: string): Promise<void>;
  /** The lead's sale value (0: none), whether it is still in the incoming stage, and its responsible user. */
  leadPriceState?(leadId: number): Promise<{ price: number; incoming: boolean; responsibleUserId?: number }>;
  setLeadPrice?(leadId: number, price: number): Promise<void>;
  /** Reading, accepting and enriching incoming leads (absent: the chat's lead is never written to). */
  incoming?: IncomingLeadsPort;
  /** The integration's lead sources with these external ids (lead-sources.ts). */
  sources?(externalIds: string[]): Promise<KommoSourceRecord[]>;
  createSources?(items: Array<Omit<KommoSourceRecord, "id">>): Promise<KommoSourceRecord[]>;
  updateSources?(items: Array<Pick<KommoSourceRecord, "id" | "name" | "pipelineId">>): Promise<void>;
  /** The reply-time guard (reply-guard.ts): the overdue tag and task on a lead. */
  addLeadTags?(leadId: number, tags: string[]): Promise<void>;
  removeLeadTags?(leadId: number, tags: string[]): Promise<void>;
  createLeadTask?(t: {
    leadId: number;
    text: string;
    completeTill: number;
    responsibleUserId?: number;
  }): Promise<number>;
  completeTask?(taskId: number, resultText: string): Promise<void>;
  openTasksOfLead?(leadId: number): Promise<Array<{ id: number; text: string }>>;
}

/** A Kommo lead source of the integration: chats carrying its external id get their lead in its pipeline. */
export interface KommoSourceRecord {
  id: number;
  name: string;
  externalId: string;
  pipelineId: number;
}
