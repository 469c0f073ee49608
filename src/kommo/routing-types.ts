/**
 * What the bridge reads of Kommo's pipelines, users and lead sources (docs/platforms/kommo.md#sources), and the
 * parsing of their REST views. The REST calls themselves are KommoRestClient's (one limiter, one error mapping).
 */
import { TkError } from "../errors/index.js";

type Json = Record<string, unknown>;

export interface KommoPipeline {
  id: number;
  name: string;
  isMain: boolean;
  isArchive: boolean;
  /** The incoming stage is on: new chats' leads wait there for a person to accept them. */
  isUnsortedOn: boolean;
  /** The incoming stage (type 1), when listed. */
  incomingStageId?: number;
  /** The first ordinary stage after incoming. */
  firstStageId?: number;
}

export interface KommoUser {
  id: number;
  name: string;
  email: string;
  isActive: boolean;
  isAdmin: boolean;
}

/** A lead source of this integration: chats carrying its external_id get their incoming lead in its pipeline. */
export interface KommoSource {
  id: number;
  name: string;
  externalId: string;
  pipelineId: number;
}

/** GET /api/v4/users answered 403: the token's user is not an admin (the list is admin-only). */
export type UsersAnswer = { users: KommoUser[] } | { refused: TkError };

const num = (v: unknown) => (typeof v === "number" ? v : undefined);
const str = (v: unknown) => (typeof v === "string" ? v : "");

export function parsePipeline(j: Json): KommoPipeline | undefined {
  const id = num(j.id);
  if (id === undefined) return undefined;
  const statuses = ((j._embedded as Json | undefined)?.statuses ?? []) as Json[];
  const incoming = statuses.find((s) => s.type === 1);
  const ordinary = statuses.filter((s) => s.type !== 1 && s.id !== 142 && s.id !== 143);
  const incomingStageId = num(incoming?.id);
  const firstStageId = num(ordinary[0]?.id);
  return {
    id,
    name: str(j.name),
    isMain: j.is_main === true,
    isArchive: j.is_archive === true,
    isUnsortedOn: j.is_unsorted_on !== false,
    ...(incomingStageId !== undefined ? { incomingStageId } : {}),
    ...(firstStageId !== undefined ? { firstStageId } : {}),
  };
}

export function parseUser(j: Json): KommoUser | undefined {
  const id = num(j.id);
  if (id === undefined) return undefined;
  const rights = (j.rights ?? {}) as Json;
  return {
    id,
    name: str(j.name),
    email: str(j.email),
    isActive: rights.is_active !== false,
    isAdmin: rights.is_admin === true,
  };
}

export function parseSource(j: Json): KommoSource | undefined {
  const id = num(j.id);
  const pipelineId = num(j.pipeline_id);
  if (id === undefined || pipelineId === undefined || typeof j.external_id !== "string") return undefined;
  return { id, name: str(j.name), externalId: j.external_id, pipelineId };
}

/** Kommo's answer 403 on /api/v4/sources, as the stable TK_ERR_KOMMO_SOURCES_REFUSED. */
export function sourcesRefused(method: string, path: string, cause: TkError): TkError {
  return new TkError(
    "TK_ERR_KOMMO_SOURCES_REFUSED",
    `Kommo refused its Sources API (${method} ${path}, HTTP 403): the token is not an account admin, or the integration's widget lacks the lead_sources location.`,
    {
      fix: 'Authorize the integration with an admin user and upload a widget archive whose manifest declares "locations": ["lead_sources"]; until then each shop\'s leads are moved into its pipeline after Kommo made them.',
      details: { ...cause.details, retryable: false },
      cause,
    },
  );
}
