/**
 * Bench-only entry of the simulated locations (`bench/feed/locations.worker.ts`): the runner posts a
 * spec and gets raw observations back; it issues revocations itself and computes every figure.
 * - `POST /propagation`: `feed/propagation.worker.ts`
 * - `POST /steady`: `feed/steady.worker.ts`
 * - `POST /busy-isolate`: `feed/busy-isolate.worker.ts`
 * - `POST /capacity`: `feed/capacity.worker.ts`
 * @module
 */
import { type BusySpec, busyIsolate } from "../feed/busy-isolate.worker";
import { type CapacitySpec, capacity } from "../feed/capacity.worker";
import { type PropagationSpec, propagation } from "../feed/propagation.worker";
import { type SteadySpec, steady } from "../feed/steady.worker";

export default {
  async fetch(request, env) {
    const { pathname } = new URL(request.url);
    if (request.method !== "POST") return new Response(null, { status: 405 });
    const spec = await request.json();
    switch (pathname) {
      case "/propagation":
        return Response.json(await propagation(env, spec as PropagationSpec));
      case "/steady":
        return Response.json(await steady(env, spec as SteadySpec));
      case "/busy-isolate":
        return Response.json(await busyIsolate(env, spec as BusySpec));
      case "/capacity":
        return Response.json(await capacity(env, spec as CapacitySpec));
      default:
        return new Response(null, { status: 404 });
    }
  },
} satisfies ExportedHandler<Env>;
