/**
 * The HTTP face of token-revocation: the Identity v2.0 Revoke Token operation on Hono.
 * Middleware order is the contract's check order (docs/design.md §1).
 * @module
 */
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { HTTPException } from "hono/http-exception";
import { methodNotAllowed } from "hono/method-not-allowed";
import { requestId } from "hono/request-id";
import type { AppEnv } from "./context";
import { ServiceUnavailable } from "./errors";
import { fault, faultResponse, unavailableResponse } from "./faults";
import { authenticate } from "./middleware/authenticate";
import { corsFromEnv } from "./middleware/cors";
import { clientAddress, rateLimit } from "./middleware/rate-limit";
import { requestLog } from "./middleware/request-log";
import { type ServicesOptions, services } from "./middleware/services";
import { revokeToken } from "./routes/revoke-token";
import { issueTimesKnown, revokeUserTokens } from "./routes/revoke-user-tokens";
import { setting } from "./settings";

const TOKENS_PATH = "/v2.0/tokens";
const TOKEN_PATH = "/v2.0/tokens/:tokenId";
const USER_TOKENS_PATH = "/v2.0/users/:userId/tokens";

/** What a test or the bench may change: the isolate state (feed copy, reusable answers) it reads with. */
export type AppOptions = ServicesOptions;

/**
 * @example export default { fetch: createApp().fetch }
 */
export function createApp(options: AppOptions = {}): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  // The id is always ours: a client-supplied one could carry anything, a token included.
  app.use(requestId({ headerName: "" }));
  app.use(requestLog());
  app.use(
    methodNotAllowed({
      app,
      onMethodNotAllowed: (c, methods) => {
        const allow = setting(c.env, "CORS_ALLOW_ORIGINS").length > 0 ? [...methods, "OPTIONS"] : methods;
        return faultResponse(405, `Method ${c.req.method} is not allowed here`, {
          headers: { Allow: allow.join(", ") },
        });
      },
    }),
  );
  app.use(TOKENS_PATH, corsFromEnv());
  app.use(TOKEN_PATH, corsFromEnv());
  app.use(USER_TOKENS_PATH, corsFromEnv());

  const caller = [
    rateLimit({ key: (c) => `addr:${clientAddress(c)}` }),
    services(options),
    authenticate(),
    rateLimit({ key: (c) => `user:${c.var.caller.identity.userId}` }),
  ] as const;
  const noBody = bodyLimit({
    maxSize: 0,
    onError: () => {
      throw fault(400, "This operation does not accept a request body");
    },
  });
  app.delete(TOKENS_PATH, ...caller, noBody, revokeToken);
  app.delete(TOKEN_PATH, ...caller, noBody, revokeToken);
  // Log out everywhere (docs/design.md §9): a 501 after the caller check where it cannot work.
  app.delete(USER_TOKENS_PATH, ...caller, issueTimesKnown(), noBody, revokeUserTokens);

  app.notFound(() => faultResponse(404, "Resource not found"));
  app.onError((error) => {
    if (error instanceof HTTPException) return error.getResponse();
    if (error instanceof ServiceUnavailable) return unavailableResponse(error);
    return faultResponse(500, "The service met an unexpected error");
  });
  return app;
}
