/** The first steps of `init`: where the platforms reach this bridge, and the Tokopedia app (checked live). */
import { randomBytes } from "node:crypto";
import { envToken } from "../../config/secrets.js";
import { tokopediaClient } from "../../daemon/clients.js";
import { trimTrailingSlashes } from "../../net/trim-trailing-slashes.js";
import type { Answer } from "../asker.js";
import { type Json, listAt, objAt, strAt } from "../config-file.js";
import { validName, validUrl } from "../validate.js";
import type { InitDraft, InitStep, InitTools } from "./draft.js";

export const publicUrlStep: InitStep = {
  title: "Public URL",
  async run(d, { ask, say }) {
    const inFile = strAt(objAt(d.file.raw, "server"), "publicUrl");
    if (d.flags.publicUrl === undefined && inFile !== undefined) {
      d.publicUrl = inFile;
      say(`  ${inFile} (from the config)`);
      return;
    }
    const a = await ask.ask({
      id: "server.publicUrl",
      message: "Public https URL where Tokopedia and Kommo reach this bridge (empty: polling only)",
      flag: "--public-url",
      flagValue: d.flags.publicUrl,
      optional: true,
      validate: validUrl,
    });
    d.publicUrl = a ? trimTrailingSlashes(a.value) : undefined;
  },
};

/** The app's entry in the file, if it has one. */
export function appEntryOf(d: Pick<InitDraft, "file">, name: string): Json | undefined {
  return listAt(d.file.raw, "tokopedia", "apps").find((a) => a.name === name);
}

/** The name the app goes by: --app, else the file's first app, else "main". */
export function defaultAppName(d: Pick<InitDraft, "file">): string {
  const first = listAt(d.file.raw, "tokopedia", "apps")[0];
  return (first && strAt(first, "name")) ?? "main";
}

export const clientSecretVar = (app: string) => `TOKOKOMMO_TOKOPEDIA_${envToken(app)}_CLIENT_SECRET`;
export const webhookSecretVar = (app: string) => `TOKOKOMMO_TOKOPEDIA_${envToken(app)}_WEBHOOK_SECRET`;

export const appStep: InitStep = {
  title: "Tokopedia app",
  async run(d, tools) {
    const { ask } = tools;
    const name = (
      await ask.need({
        id: "tokopedia.app",
        message: "Name for this Tokopedia app in the config",
        flag: "--app",
        flagValue: d.flags.app,
        default: defaultAppName(d),
        validate: validName,
      })
    ).value;
    d.app = await ask.verified("tokopedia.app", (fresh) => verifyApp(d, tools, name, fresh));
  },
};

/** Asks what the file does not hold (everything, on a retry), then gets a token with it. */
async function verifyApp(d: InitDraft, { ask, say, env }: InitTools, name: string, fresh: boolean) {
  const entry = appEntryOf(d, name);
  const reuse = entry !== undefined && !fresh;
  const fileFsId = entry?.fsId;
  const fsId =
    reuse && (typeof fileFsId === "number" || typeof fileFsId === "string")
      ? String(fileFsId)
      : (
          await ask.need(
            {
              id: "tokopedia.fsId",
              message: "App ID (fs_id)",
              flag: "--fs-id",
              flagValue: d.flags.fsId,
              validate: (v) => /^\d+$/.test(v) || "fs_id is a number",
            },
            fresh,
          )
        ).value;
  const fileClientId = entry && strAt(entry, "clientId");
  const clientId =
    reuse && fileClientId
      ? fileClientId
      : (
          await ask.need(
            {
              id: "tokopedia.clientId",
              message: "Client ID",
              flag: "--client-id",
              flagValue: d.flags.clientId,
            },
            fresh,
          )
        ).value;
  const secret = await clientSecret(d, ask, name, entry, reuse, fresh);
  const webhook = webhookSecret(d, env, name, entry);
  const app = {
    name,
    fsId: Number(fsId),
    clientId,
    clientSecret: secret.value,
    webhookSecret: webhook.value,
  };
  say(`  checking credentials of fs_id ${fsId}...`);
  const client = tokopediaClient(app, { endpoints: d.endpoints }, d.tokens);
  await client.tokens.get();
  say("  ✔ a token was obtained");
  return {
    app,
    known: entry !== undefined,
    clientSecretFromEnv: secret.fromEnv,
    webhookSecretFromEnv: webhook.fromEnv,
    client,
  };
}

async function clientSecret(
  d: InitDraft,
  ask: InitTools["ask"],
  name: string,
  entry: Json | undefined,
  reuse: boolean,
  fresh: boolean,
): Promise<Answer> {
  const envSecret = ask.env[clientSecretVar(name)];
  const fileSecret = entry && strAt(entry, "clientSecret");
  if (reuse && envSecret) return { value: envSecret, fromEnv: true };
  if (reuse && fileSecret) return { value: fileSecret, fromEnv: false };
  return ask.need(
    {
      id: "tokopedia.clientSecret",
      message: "Client secret",
      flag: "--client-secret",
      flagValue: d.flags.clientSecret,
      envVar: clientSecretVar(name),
      secret: true,
    },
    fresh,
  );
}

/** --webhook-secret, else the env, else the file's, else a new random one (registered with the webhook). */
function webhookSecret(d: InitDraft, env: InitTools["env"], name: string, entry: Json | undefined): Answer {
  if (d.flags.webhookSecret) return { value: d.flags.webhookSecret, fromEnv: false };
  const fromEnv = env[webhookSecretVar(name)];
  if (fromEnv) return { value: fromEnv, fromEnv: true };
  const inFile = entry && strAt(entry, "webhookSecret");
  return { value: inFile ?? randomBytes(24).toString("hex"), fromEnv: false };
}
