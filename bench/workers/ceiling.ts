/**
 * Bench-only ceilings: the cheapest HTTP answer and the cheapest RPC answer this runtime can give,
 * so every measured path is reported as a ratio of what the same runtime does with no work at all.
 * @module
 */
import { WorkerEntrypoint } from "cloudflare:workers";

/** Shaped like `RevocationLookup`, doing nothing: what a lookup costs in RPC alone. */
export class NoopLookup extends WorkerEntrypoint {
  async isRevoked(_token: string, _subject?: unknown): Promise<boolean> {
    return false;
  }

  async checkMany(tokens: string[]): Promise<boolean[]> {
    return tokens.map(() => false);
  }
}

export default {
  fetch() {
    return new Response(null, { status: 204 });
  },
} satisfies ExportedHandler;
