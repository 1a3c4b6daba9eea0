/**
 * Puts this request's token authority and revocation store on the context, so that handlers
 * depend on the interfaces and tests can wrap the real bindings.
 * @module
 */
import { createMiddleware } from "hono/factory";
import { authorityFor } from "../authority";
import type { AppEnv } from "../context";
import { revocationStore } from "../store/revocations";

export const services = () =>
  createMiddleware<AppEnv>(async function services(c, next) {
    c.set("authority", authorityFor(c.env));
    c.set("revocations", revocationStore(c.env.REVOCATIONS));
    await next();
  });
