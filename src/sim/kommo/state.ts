/** The simulated Kommo's data, shared by the amojo and REST handlers. */
import { randomBytes, randomUUID } from "node:crypto";
import type {
  SimAccount,
  SimChannel,
  SimChat,
  SimChatLink,
  SimConnection,
  SimContact,
  SimDeliveryStatus,
  SimIncomingLeadWrite,
  SimLead,
  SimMessage,
  SimNote,
  SimPipeline,
  SimRights,
  SimSource,
  SimTask,
  SimUser,
  SimWebhookDelivery,
} from "./types.js";

export interface OAuthClient {
  clientId: string;
  clientSecret: string;
  redirectUri: string;
}

export interface AccessTokenRecord {
  accountId: number;
  kind: "oauth" | "longLived";
  expiresAt: number;
  revoked: boolean;
}

export interface RefreshTokenRecord {
  accountId: number;
  clientId: string;
  expiresAt: number;
  spent: boolean;
  revoked: boolean;
}

export interface AuthCodeRecord {
  accountId: number;
  clientId: string;
  expiresAt: number;
  used: boolean;
}

export class SimState {
  readonly accounts = new Map<number, SimAccount>();
  readonly channels = new Map<string, SimChannel>();
  readonly connections = new Map<string, SimConnection>();
  readonly chats = new Map<string, SimChat>();
  /** scopeId → conversationId → chat amojo id */
  readonly chatByConversation = new Map<string, Map<string, string>>();
  readonly messages: SimMessage[] = [];
  readonly messageById = new Map<string, SimMessage>();
  /** scopeId → msgid → amojo message id */
  readonly msgidIndex = new Map<string, Map<string, string>>();
  readonly deliveryStatuses = new Map<string, SimDeliveryStatus[]>();
  readonly contacts = new Map<number, SimContact>();
  readonly leads = new Map<number, SimLead>();
  readonly notes: SimNote[] = [];
  /** Writes to leads still incoming, in order (lead-writes.ts). */
  readonly incomingLeadWrites: SimIncomingLeadWrite[] = [];
  readonly tasks = new Map<number, SimTask>();
  readonly chatLinks: SimChatLink[] = [];
  readonly webhookDeliveries: SimWebhookDelivery[] = [];
  readonly oauthClients = new Map<string, OAuthClient>();
  readonly authCodes = new Map<string, AuthCodeRecord>();
  readonly accessTokens = new Map<string, AccessTokenRecord>();
  readonly refreshTokens = new Map<string, RefreshTokenRecord>();
  /** Pipelines beside each account's main one (source-routes.ts, pipeline-routes.ts). */
  readonly pipelines = new Map<number, SimPipeline>();
  readonly sources = new Map<number, SimSource>();
  /** Users beside each account's current user. */
  readonly users = new Map<number, SimUser>();
  /** Per account; absent: admin with the lead_sources location. */
  readonly rights = new Map<number, SimRights>();
  /** How often a spent or revoked refresh token was presented (a client that lost track of rotation). */
  spentRefreshPresented = 0;
  refreshesIssued = 0;

  private nextAccountId = 31263018;
  private nextContactId = 40401635;
  private nextLeadId = 15198335;
  private nextNoteId = 76787983;
  private nextLinkId = 26219;
  private nextTaskId = 4745251;

  accountId(): number {
    return this.nextAccountId++;
  }
  contactId(): number {
    return this.nextContactId++;
  }
  leadId(): number {
    return this.nextLeadId++;
  }
  noteId(): number {
    return this.nextNoteId++;
  }
  taskId(): number {
    return this.nextTaskId++;
  }
  linkId(): number {
    return this.nextLinkId++;
  }

  uuid(): string {
    return randomUUID();
  }

  /** Opaque token strings (long enough to be unguessable; not JWTs, the bridge must not read them). */
  token(prefix: string): string {
    return `${prefix}${randomBytes(24).toString("hex")}`;
  }

  accountByAmojoId(amojoId: string): SimAccount | undefined {
    for (const a of this.accounts.values()) if (a.amojoId === amojoId) return a;
    return undefined;
  }

  accountOfScope(scopeId: string): SimAccount | undefined {
    const c = this.connections.get(scopeId);
    return c ? this.accountByAmojoId(c.accountAmojoId) : undefined;
  }

  chatOf(scopeId: string, conversationId: string): SimChat | undefined {
    const id = this.chatByConversation.get(scopeId)?.get(conversationId);
    return id ? this.chats.get(id) : undefined;
  }

  addChat(chat: SimChat): void {
    this.chats.set(chat.amojoId, chat);
    let m = this.chatByConversation.get(chat.scopeId);
    if (!m) {
      m = new Map();
      this.chatByConversation.set(chat.scopeId, m);
    }
    m.set(chat.conversationId, chat.amojoId);
  }

  addMessage(m: SimMessage): void {
    this.messages.push(m);
    this.messageById.set(m.amojoId, m);
    if (m.msgid) {
      let idx = this.msgidIndex.get(m.scopeId);
      if (!idx) {
        idx = new Map();
        this.msgidIndex.set(m.scopeId, idx);
      }
      idx.set(m.msgid, m.amojoId);
    }
  }
}
