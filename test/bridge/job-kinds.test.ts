/** The job kinds' map: every kind the queue knows has exactly one typed handler, and payloads are checked. */
import { describe, expect, expectTypeOf, it } from "vitest";
import { jobHandlers } from "../../src/bridge/engine-jobs.js";
import { isJobOf, type JobOf, type NewJobOf } from "../../src/bridge/job-kinds.js";
import type { QueuedJob } from "../../src/bridge/job-runner.js";
import type { SourceRoomRef } from "../../src/bridge/store-port.js";
import { isJobKind, JOB_KINDS } from "../../src/domain/job-kinds.js";

describe("job kinds", () => {
  it("the engine has one handler for each kind the queue knows, and none else", () => {
    const handlers = jobHandlers({} as Parameters<typeof jobHandlers>[0]);
    expect(Object.keys(handlers).sort()).toEqual([...JOB_KINDS].sort());
  });

  it("a kind's payload type follows from the kind", () => {
    expectTypeOf<JobOf<"sync_room">["payload"]>().toEqualTypeOf<SourceRoomRef>();
    const ref: SourceRoomRef = { source: "tokopedia", shopId: "1", roomId: "2" };
    const ok: NewJobOf = { kind: "sync_room", orderingKey: "k", shopKey: "tokopedia:1", payload: ref };
    expect(ok.kind).toBe("sync_room");
    const chat = { amojoChatId: "x" };
    // @ts-expect-error a sync_room job carries a room, not a chat id
    const wrongPayload: NewJobOf = { kind: "sync_room", orderingKey: "k", shopKey: "s", payload: chat };
    // @ts-expect-error a delivery job names its stored row by refId
    const missingRef: NewJobOf = { kind: "deliver_to_kommo", orderingKey: "k", shopKey: "s" };
    // @ts-expect-error no such kind
    const unknownKind: NewJobOf = { kind: "sync_everything", orderingKey: "k", shopKey: "s", payload: ref };
    expect([wrongPayload, missingRef, unknownKind]).toHaveLength(3);
  });

  it("narrows a claimed job by kind", () => {
    const job: QueuedJob = {
      id: 1,
      kind: "report_status",
      orderingKey: "status:m",
      shopKey: "kommo:s",
      attempts: 0,
      payload: { scopeId: "s", amojoMessageId: "m", status: { status: 1 } },
      refId: null,
      leaseToken: "t",
    };
    expect(isJobOf(job, "report_status")).toBe(true);
    expect(isJobOf(job, "sync_room")).toBe(false);
    expect(isJobKind("report_status")).toBe(true);
    expect(isJobKind("retention_test")).toBe(false);
  });
});
