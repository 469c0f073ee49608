import { describe, expect, it } from "vitest";
import {
  amojoStringToSign,
  hmacSha1Hex,
  md5Hex,
  rfc2822Date,
  signAmojoRequest,
} from "../../src/kommo/index.js";
import { parseKommoWebhook, verifyKommoWebhook } from "../../src/kommo/webhook.js";

// The seven signed requests of amoCRM's Chats API step-by-step example, byte-exact.
const SECRET = "f2d7f8704eff95087ed45b23ba99c0b5aac8278e";
const SCOPE = "344a5002-f8ca-454d-af3d-396180102ac7_52e591f7-c98f-4255-8495-827210138c81";
const SENDER =
  '"sender":{"id":"my_int-1376265f-86df-4c49-a0c3-a4816df41af8","avatar":"https:\\/\\/images.pexels.com\\/photos\\/10050979\\/pexels-photo-10050979.jpeg?auto=compress&cs=tinysrgb&dpr=2&w=500","profile":{"phone":"+79151112233","email":"example.client@example.com"},"profile_link":"https:\\/\\/example.com\\/profile\\/example.client","name":"\\u0412\\u0430\\u0441\\u044f \\u043a\\u043b\\u0438\\u0435\\u043d\\u0442"}';
const TEXT =
  '"message":{"type":"text","text":"\\u0421\\u043e\\u043e\\u0431\\u0449\\u0435\\u043d\\u0438\\u0435 \\u043e\\u0442 \\u043a\\u043b\\u0438\\u0435\\u043d\\u0442\\u0430"}';

const VECTORS = [
  {
    name: "V1 connect",
    method: "POST",
    path: "/v2/origin/custom/344a5002-f8ca-454d-af3d-396180102ac7/connect",
    date: "Wed, 15 Dec 2021 23:12:55 +0000",
    body: '{"account_id":"52e591f7-c98f-4255-8495-827210138c81","title":"ChatsIntegration","hook_api_version":"v2"}',
    md5: "2fbcb3c652b61e24e004daddfc73d0ce",
    sig: "81211856ce0c5095f3e1a90c0a38dc9d736cfd55",
  },
  {
    name: "V2 incoming message",
    method: "POST",
    path: `/v2/origin/custom/${SCOPE}`,
    date: "Thu, 16 Dec 2021 13:15:29 +0000",
    body: `{"event_type":"new_message","payload":{"timestamp":1639660529,"msec_timestamp":1639660529379,"msgid":"my_int-5f2836a8ca481","conversation_id":"my_int-d5a421f7f218",${SENDER},${TEXT},"silent":false}}`,
    md5: "223ef85def871bc7cb58aa6f02f0a26e",
    sig: "29b49e9eaf03f13a66ecaff315f2855b31b25eee",
  },
  {
    name: "V3 incoming message with source",
    method: "POST",
    path: `/v2/origin/custom/${SCOPE}`,
    date: "Fri, 17 Dec 2021 10:59:28 +0000",
    body: `{"event_type":"new_message","payload":{"timestamp":1639738768,"msec_timestamp":1639738768457,"msgid":"my_int-5f2836a8ca481","conversation_id":"my_int-d5a421f7f218",${SENDER},${TEXT},"source":{"external_id":"79039876543"},"silent":false}}`,
    md5: "353178c993f09a8ec5f3eab4093b753e",
    sig: "e895539b52051e1a8d3f89d454c7ad7406705234",
  },
  {
    name: "V4 create chat",
    method: "POST",
    path: `/v2/origin/custom/${SCOPE}/chats`,
    date: "Thu, 16 Dec 2021 23:22:49 +0000",
    body: '{"conversation_id":"my_int-8e3e7640-49af-4448-a2c6-d5a421f7f217","source":{"external_id":"78001234567"},"user":{"id":"my_int-1376265f-86df-4c49-a0c3-a4816df41af9","avatar":"https:\\/\\/example.com\\/users\\/avatar.png","name":"\\u0418\\u043c\\u044f \\u043a\\u043b\\u0438\\u0435\\u043d\\u0442\\u0430","profile":{"phone":"+79151112233","email":"example.client@example.com"},"profile_link":"https:\\/\\/example.com\\/profile\\/example.client"}}',
    md5: "5139e573382c0eae38f476822abb2014",
    sig: "a601e486d694c8e7e8a5b637660f949f8bb7efaf",
  },
  {
    name: "V5 typing",
    method: "POST",
    path: `/v2/origin/custom/${SCOPE}/typing`,
    date: "Thu, 16 Dec 2021 16:01:21 +0000",
    body: '{"conversation_id":"my_int-d5a421f7f218","sender":{"id":"my_int-1376265f-86df-4c49-a0c3-a4816df41af8"}}',
    md5: "255a22566d68be207fa36804e78a523a",
    sig: "e8263b1daf2b20396c02db6c8c846f95cc0f9540",
  },
  {
    name: "V6 delivery status",
    method: "POST",
    path: `/v2/origin/custom/${SCOPE}/079e44fb-fc22-476b-9e8a-421b688ec53b/delivery_status`,
    date: "Thu, 16 Dec 2021 12:58:40 +0000",
    body: '{"msgid":"079e44fb-fc22-476b-9e8a-421b688ec53b","delivery_status":2,"error_code":905,"error":"Error text"}',
    md5: "a0bbbac729c6341f0a521e2db7a8a236",
    sig: "ca51f810785031385a801f41103244713c1a2352",
  },
  {
    name: "V7 disconnect (DELETE with body)",
    method: "DELETE",
    path: "/v2/origin/custom/344a5002-f8ca-454d-af3d-396180102ac7/disconnect",
    date: "Wed, 15 Dec 2021 23:59:28 +0000",
    body: '{"account_id":"52e591f7-c98f-4255-8495-827210138c81"}',
    md5: "271fa2e4fb0ff84a3ef9689027bd1f38",
    sig: "e1678e3b6aa674b5127f4feb448e6200ce0bfc72",
  },
];

describe("amojo signing: the seven official vectors", () => {
  for (const v of VECTORS) {
    it(v.name, () => {
      const bytes = Buffer.from(v.body, "utf8");
      expect(md5Hex(bytes)).toBe(v.md5);
      const h = signAmojoRequest({
        secret: SECRET,
        method: v.method,
        path: v.path,
        body: bytes,
        date: v.date,
      });
      expect(h).toEqual({
        Date: v.date,
        "Content-Type": "application/json",
        "Content-MD5": v.md5,
        "X-Signature": v.sig,
      });
    });
  }

  it("spells out the string to sign of V1 exactly", () => {
    expect(
      amojoStringToSign({
        method: "post",
        contentMd5: "2fbcb3c652b61e24e004daddfc73d0ce",
        contentType: "application/json",
        date: "Wed, 15 Dec 2021 23:12:55 +0000",
        path: "/v2/origin/custom/344a5002-f8ca-454d-af3d-396180102ac7/connect",
      }),
    ).toBe(
      "POST\n2fbcb3c652b61e24e004daddfc73d0ce\napplication/json\nWed, 15 Dec 2021 23:12:55 +0000\n/v2/origin/custom/344a5002-f8ca-454d-af3d-396180102ac7/connect",
    );
  });

  it("one changed body byte changes MD5 and signature", () => {
    const v = VECTORS[0]!;
    const h = signAmojoRequest({
      secret: SECRET,
      method: v.method,
      path: v.path,
      body: `${v.body} `,
      date: v.date,
    });
    expect(h["Content-MD5"]).not.toBe(v.md5);
    expect(h["X-Signature"]).not.toBe(v.sig);
  });

  it("GET: MD5 of the empty body, query string not signed (a derived vector)", () => {
    const path = `/v2/origin/custom/${SCOPE}/chats/8b1a1828-fc4a-4874-9469-15e0d847570f/history`;
    const base = { secret: SECRET, method: "GET", body: "" };
    const a = signAmojoRequest({
      ...base,
      path: `${path}?limit=50&offset=0`,
      date: "Thu, 16 Dec 2021 13:20:00 +0000",
    });
    expect(a["Content-MD5"]).toBe("d41d8cd98f00b204e9800998ecf8427e");
    expect(a["X-Signature"]).toBe("6a36337eedd167d56e14212d8fe05d9851afdb4f");
    const b = signAmojoRequest({ ...base, path, date: "Thu, 16 Dec 2021 13:20:00 GMT" });
    expect(b["X-Signature"]).toBe("76ca813a7653ecd13a8f6debc939f2c16485ac2f");
  });

  it("formats the Date header as RFC 2822 with +0000", () => {
    expect(rfc2822Date(new Date(Date.UTC(2021, 11, 15, 23, 12, 55)))).toBe("Wed, 15 Dec 2021 23:12:55 +0000");
    expect(rfc2822Date(new Date(Date.UTC(2024, 1, 3, 4, 5, 6)))).toBe("Sat, 03 Feb 2024 04:05:06 +0000");
  });
});

describe("Kommo reply webhook", () => {
  const HOOK_SECRET = "5a44c5dff55f3c15a4cce8d7c4cc27e207c7e189";
  const BODY =
    '{"account_id":"52e591f7-c98f-4255-8495-827210138c81","time":1639572261,"message":{"receiver":{"id":"2ed64e26-70a1-4857-8382-bb066a076219","phone":"79161234567","email":"example.client@example.com","client_id":"my_int-1376265f-86df-4c49-a0c3-a4816df41af8"},"sender":{"id":"76fc2bea-902f-425c-9a3d-dcdac4766090"},"conversation":{"id":"8e4d4baa-9e6c-4a88-838a-5f62be227bdc","client_id":"my_int-d5a421f7f218"},"source":{"external_id":"78001234567"},"timestamp":1639572260,"msec_timestamp":1639572260980,"message":{"id":"0371a0ff-b78a-4c7b-8538-a7d547e10692","type":"text","text":"Hello","tag":"","media":"","thumbnail":"","file_name":"","file_size":0}}}';

  it("verifies the derived vector and rejects any change, in either part", () => {
    expect(hmacSha1Hex(HOOK_SECRET, BODY)).toBe("35a4b4821bd9948c37ff3445eb862db48b8ab1f1");
    expect(
      verifyKommoWebhook(HOOK_SECRET, Buffer.from(BODY), "35a4b4821bd9948c37ff3445eb862db48b8ab1f1"),
    ).toBe(true);
    expect(verifyKommoWebhook(HOOK_SECRET, `${BODY}\n`, "35a4b4821bd9948c37ff3445eb862db48b8ab1f1")).toBe(
      false,
    );
    expect(verifyKommoWebhook(HOOK_SECRET, `${BODY}\n`, "43824f700986ca820d434756b2dea91b1ac570b1")).toBe(
      true,
    );
    expect(verifyKommoWebhook("other", BODY, "35a4b4821bd9948c37ff3445eb862db48b8ab1f1")).toBe(false);
    expect(verifyKommoWebhook(HOOK_SECRET, BODY, "35a4")).toBe(false);
    expect(verifyKommoWebhook(HOOK_SECRET, BODY, undefined)).toBe(false);
    expect(
      verifyKommoWebhook(
        "11c08dd7ba836ea9cfc03133b4813d",
        "test-body",
        "5af67d9a838e1b0a7d86591ae57740d703640b5d",
      ),
    ).toBe(true);
  });

  it("parses the official example into a typed reply", () => {
    const r = parseKommoWebhook(Buffer.from(BODY));
    expect(r).toEqual({
      kind: "message",
      accountId: "52e591f7-c98f-4255-8495-827210138c81",
      time: 1639572261,
      conversationClientId: "my_int-d5a421f7f218",
      amojoChatId: "8e4d4baa-9e6c-4a88-838a-5f62be227bdc",
      amojoMessageId: "0371a0ff-b78a-4c7b-8538-a7d547e10692",
      timestampMs: 1639572260980,
      sender: { amojoId: "76fc2bea-902f-425c-9a3d-dcdac4766090", name: "" },
      receiver: {
        amojoId: "2ed64e26-70a1-4857-8382-bb066a076219",
        clientId: "my_int-1376265f-86df-4c49-a0c3-a4816df41af8",
        phone: "79161234567",
        email: "example.client@example.com",
      },
      sourceExternalId: "78001234567",
      message: { type: "text", text: "Hello" },
    });
  });

  it("parses the real captured webhook (S26) with a named receiver and a picture variant", () => {
    const real =
      '{"account_id": "d2914d60-a44a-4625-881b-d9e237592dce", "time": 1696335541, "message": {"receiver": {"id": "f6d6cccf-660b-478c-b1ad-c7decb1fdae2", "name": "Андрей", "client_id": "26665641"}, "sender": {"id": "43d62858-70f2-4afc-8776-39892a08f690", "name": ""}, "conversation": {"id": "4b10d0e2-32ee-41b7-94e5-e490b007f97e", "client_id": "u2i-sjJYEdKG89VKhGV6SDQIEw"}, "timestamp": 1696335541, "msec_timestamp": 1696335541851, "message": {"id": "16adb82f-1f8d-4a04-8fb3-7acbc0f8891a", "type": "text", "text": "whats up?", "markup": null, "tag": "", "media": "", "thumbnail": "", "file_name": "", "file_size": 0}}}';
    const r = parseKommoWebhook(real);
    if (r.kind !== "message") throw new Error("expected a message");
    expect(r.receiver).toEqual({
      amojoId: "f6d6cccf-660b-478c-b1ad-c7decb1fdae2",
      clientId: "26665641",
      name: "Андрей",
    });
    expect(r.message).toEqual({ type: "text", text: "whats up?" });
    const pic = parseKommoWebhook(
      real
        .replace('"type": "text", "text": "whats up?"', '"type": "picture", "text": ""')
        .replace('"media": ""', '"media": "https://amojo.example/a.jpg"')
        .replace('"file_name": ""', '"file_name": "a.jpg"'),
    );
    if (pic.kind !== "message") throw new Error("expected a message");
    expect(pic.message).toEqual({
      type: "picture",
      text: "",
      media: "https://amojo.example/a.jpg",
      fileName: "a.jpg",
    });
  });

  it("classifies typing hooks as other and rejects malformed bodies with TK_ERR_WEBHOOK_MALFORMED", () => {
    expect(
      parseKommoWebhook(
        '{"account_id":"a","time":1,"action":{"typing":{"user":{"id":"u"},"conversation":{"id":"c"}}}}',
      ),
    ).toEqual({ kind: "other", action: "typing", accountId: "a", amojoChatId: "c" });
    for (const bad of [
      "not json",
      "[]",
      "{}",
      BODY.replace('"type":"text"', '"type":"hologram"'),
      BODY.replace('"id":"0371a0ff-b78a-4c7b-8538-a7d547e10692",', ""),
      BODY.replace('"type":"text"', '"type":"picture"'),
    ]) {
      expect(() => parseKommoWebhook(bad)).toThrow(
        expect.objectContaining({ code: "TK_ERR_WEBHOOK_MALFORMED" }),
      );
    }
  });
});
