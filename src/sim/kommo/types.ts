/**
 * State of the simulated Kommo (amojo + REST). Plain data, owned by the simulator; the control API returns
 * copies. Ids follow the platform: amojo ids are UUIDs, REST ids are integers.
 */

export interface SimAccount {
  /** REST account id. */
  id: number;
  name: string;
  subdomain: string;
  /** amojo id of the account (GET /api/v4/account?with=amojo_id). */
  amojoId: string;
  /** amojo id of the default manager (sender of managerReplies). */
  managerAmojoId: string;
  currentUserId: number;
}

export interface SimChannel {
  id: string;
  secret: string;
  code: string;
  botId: string;
  /** Webhook URL template with `:scope_id`, e.g. http://127.0.0.1:8787/webhooks/kommo/:scope_id */
  hookUrl: string;
  /** amojo ids allowed to connect; undefined = any known account. */
  allowedAccounts?: string[];
}

export interface SimConnection {
  scopeId: string;
  channelId: string;
  accountAmojoId: string;
  title: string;
  hookApiVersion: string;
  connected: boolean;
}

export interface SimParticipant {
  amojoId: string;
  clientId?: string;
  name: string;
  avatar?: string;
  phone?: string;
  email?: string;
  profileLink?: string;
}

export interface SimChat {
  amojoId: string;
  scopeId: string;
  conversationId: string;
  sourceExternalId?: string;
  /** The buyer side of the chat. */
  client?: SimParticipant;
  contactId?: number;
  leadId?: number;
}

export type SimDirection = "in" | "out";

export interface SimMessage {
  amojoId: string;
  /** Integration msgid (absent for messages written in Kommo). */
  msgid?: string;
  scopeId: string;
  chatAmojoId: string;
  conversationId: string;
  /** in = buyer → Kommo; out = manager/bot → buyer (imported or written in Kommo). */
  direction: SimDirection;
  origin: "api" | "kommo";
  silent: boolean;
  type: string;
  text: string;
  media?: string;
  fileName?: string;
  sender: SimParticipant;
  receiver?: SimParticipant;
  timestampMs: number;
  receivedAt: number;
}

export interface SimDeliveryStatus {
  status: number;
  errorCode?: number;
  error?: string;
  /** Which field name the client used. */
  field: "delivery_status" | "status_code";
  at: number;
}

export interface SimContact {
  id: number;
  accountId: number;
  name: string;
  avatar?: string;
  phone?: string;
  email?: string;
  profileLink?: string;
  createdAt: number;
}

export interface SimLead {
  id: number;
  accountId: number;
  name: string;
  /** "incoming" = incoming lead (unsorted, category chats), created by the Chats API. */
  status: "incoming" | "open";
  category?: "chats";
  contactId?: number;
  chatAmojoId?: string;
  tags: string[];
  createdAt: number;
  /** Sale value, once written. */
  price?: number;
  /** How the lead left the incoming stage: a PATCH of any of its fields (tags too), or an accept. */
  leftIncomingBy?: "patch" | "accept";
  /** The incoming lead's uid (GET /api/v4/leads/unsorted), while it was made by the Chats API. */
  uid?: string;
  /** Its pipeline; absent: the account's main pipeline. */
  pipelineId?: number;
  /** Its stage once out of incoming; absent: the pipeline's first ordinary stage. */
  statusId?: number;
  responsibleUserId?: number;
}

/** A write to a lead that was still incoming (each one takes it out of incoming): what tests assert is empty. */
export interface SimIncomingLeadWrite {
  leadId: number;
  method: string;
  path: string;
  /** The fields the write carried (e.g. tags_to_add, price, responsible_user_id). */
  fields: string[];
  at: number;
}

/** A sales pipeline beside the account's main one; stage ids derive from its id (pipeline-routes.ts). */
export interface SimPipeline {
  id: number;
  accountId: number;
  name: string;
  isMain: boolean;
  isArchive: boolean;
  /** The incoming stage (type 1) is on: chats of its sources make incoming leads here. */
  isUnsortedOn: boolean;
}

/** A lead source of the integration in an account (Sources API): where a chat's incoming lead lands. */
export interface SimSource {
  id: number;
  accountId: number;
  name: string;
  externalId: string;
  pipelineId: number;
  default: boolean;
}

/** A user of an account (GET /api/v4/users). */
export interface SimUser {
  id: number;
  accountId: number;
  name: string;
  email: string;
  isAdmin: boolean;
  isActive: boolean;
  isFree: boolean;
}

/** What the account's token may do: admin rights, and the lead_sources location of the integration's widget. */
export interface SimRights {
  admin: boolean;
  leadSources: boolean;
}

export interface SimNote {
  id: number;
  leadId: number;
  noteType: string;
  params: Record<string, unknown>;
  /** How often the note was edited in place. */
  edits?: number;
}

/** A task (REST /api/v4/tasks); times in Unix seconds as Kommo shows them. */
export interface SimTask {
  id: number;
  accountId: number;
  text: string;
  completeTill: number;
  taskTypeId: number;
  responsibleUserId: number;
  duration: number;
  isCompleted: boolean;
  resultText?: string;
  entityType?: string;
  entityId?: number;
  createdBy: number;
  createdAt: number;
  updatedAt: number;
}

export interface SimChatLink {
  id: number;
  accountId: number;
  chatId: string;
  contactId: number;
}

export interface SimWebhookDelivery {
  scopeId: string;
  url: string;
  body: string;
  signature: string;
  amojoMessageId: string;
  /** HTTP status of the bridge's answer, or undefined when the POST failed. */
  status?: number;
  error?: string;
  at: number;
}

export type SimApi = "amojo" | "rest";
