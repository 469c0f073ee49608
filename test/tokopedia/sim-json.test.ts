/** The Tokopedia simulator's JSON writer: int64 ids go out as bare numbers, everything else as JSON.stringify. */
import { describe, expect, it } from "vitest";
import { wireJson } from "../../src/sim/tokopedia/json-text.js";

describe("wireJson", () => {
  it("writes bigints as bare numbers at any depth, beyond 2^53 exactly", () => {
    const text = wireJson({ msg_id: 9007199254740993123n, list: [1n, -2n], nested: { id: 3n } });
    expect(text).toBe('{"msg_id":9007199254740993123,"list":[1,-2],"nested":{"id":3}}');
    expect(wireJson(42n)).toBe("42");
  });

  it("drops undefined members, writes undefined array items as null, and leaves strings alone", () => {
    const text = wireJson({
      a: undefined,
      b: [undefined, "x\u0000bigint:1", 'q"z'],
      c: null,
      d: 1.5,
      e: true,
    });
    expect(text).toBe('{"b":[null,"x\\u0000bigint:1","q\\"z"],"c":null,"d":1.5,"e":true}');
    expect(JSON.parse(text).b[1]).toBe("x\u0000bigint:1");
    expect(wireJson(undefined)).toBe("null");
  });
});
