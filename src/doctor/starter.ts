/**
 * doctor on a starter config (src/config/starter.ts): nothing is set up yet, so there is nothing to check but
 * the file itself. One warning that says so and what to run; no failure, so the exit code is 0.
 */
import type { StarterConfig } from "../config/index.js";
import type { DoctorReport } from "./runner.js";

export function starterReport(s: StarterConfig): DoctorReport {
  const e = s.endpoints;
  return {
    ok: true,
    summary: { pass: 0, warn: 1, fail: 0, skip: 0 },
    checks: [
      {
        id: "config.valid",
        title: "Config file is valid",
        status: "warn",
        message: `${s.configPath} is a starter config: endpoints only (Tokopedia ${e.tokopediaApi}, TikTok Shop ${e.tiktokshopApi}, Kommo ${e.kommoApi}); no app, Kommo account or shop is set up yet, so nothing else can be checked`,
        fix: "run `tokokommo init`: it keeps these settings and adds the app, the shop and the Kommo account",
        ms: 0,
      },
    ],
  };
}
