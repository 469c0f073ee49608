/**
 * The daemon's routes. Webhook handlers only verify and commit (BridgeEngine.intake); health,
 * readiness and metrics read state without touching any platform.
 */
import type { BridgeEngine } from "../bridge/engine.js";
import { Router } from "./router.js";

export interface ReadinessCheck {
  name: string;
  ok: boolean;
  detail?: string;
}

export interface RouteDeps {
  engine: BridgeEngine;
  /** Readiness: state open and per-link health (last errors per shop). */
  readiness: () => ReadinessCheck[] | Promise<ReadinessCheck[]>;
}

export function bridgeRoutes(deps: RouteDeps): Router {
  const { engine } = deps;
  return new Router()
    .add({
      method: "POST",
      path: "/webhooks/tokopedia/{app}",
      handler: (req) => engine.intake.marketplaceWebhook("tokopedia", req.params.app!, req.headers, req.body),
    })
    .add({
      method: "POST",
      path: "/webhooks/tiktokshop/{app}",
      handler: (req) =>
        engine.intake.marketplaceWebhook("tiktokshop", req.params.app!, req.headers, req.body),
    })
    .add({
      method: "POST",
      path: "/webhooks/kommo/{scopeId}",
      handler: (req) => engine.intake.kommoWebhook(req.params.scopeId!, req.headers, req.body),
    })
    .add({ method: "GET", path: "/healthz", handler: () => ({ status: 200, body: { ok: true } }) })
    .add({
      method: "GET",
      path: "/readyz",
      handler: async () => {
        let checks: ReadinessCheck[];
        try {
          checks = await deps.readiness();
        } catch {
          // The checks read the state file; if even that fails, the daemon is not ready (a 500 would say "bug").
          checks = [{ name: "state", ok: false, detail: "the state file cannot be read" }];
        }
        const ok = checks.every((c) => c.ok);
        return { status: ok ? 200 : 503, body: { ok, checks } };
      },
    })
    .add({
      method: "GET",
      path: "/metrics",
      handler: async () => {
        await engine.refreshGauges();
        return {
          status: 200,
          body: await engine.metrics.registry.metrics(),
          contentType: engine.metrics.registry.contentType,
        };
      },
    });
}
