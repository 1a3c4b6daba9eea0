/**
 * token-revocation: the Worker's entry points.
 * @module
 */
import { createApp } from "./app";

export { RevocationLookup } from "./lookup";

const app = createApp();

export default {
  fetch: app.fetch,
} satisfies ExportedHandler<Env>;
