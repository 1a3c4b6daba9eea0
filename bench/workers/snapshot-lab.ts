/**
 * Bench-only: an isolate of its own for the snapshot figures, so that what its heap and the process
 * hold during a build is the build's: lab instances of the bench's `RevocationFeed` (the real class
 * with bench set-up, `bench-feed.ts`), preloaded in bulk, built by the object's own code.
 * `POST /<op>` with `{ instance, ... }`: `preload` (count), `build`, `false-positives` (samples), `drop`.
 * @module
 */
import { BenchRevocationFeed } from "./bench-feed";

export { BenchRevocationFeed as RevocationFeed };

interface LabEnv {
  LAB: DurableObjectNamespace<BenchRevocationFeed>;
}

export default {
  async fetch(request, env) {
    if (request.method !== "POST") return new Response(null, { status: 405 });
    const { pathname } = new URL(request.url);
    const spec = (await request.json()) as { instance: string; count?: number; samples?: number };
    const lab = env.LAB.getByName(spec.instance);
    switch (pathname) {
      case "/preload":
        return Response.json(await lab.benchPreload(spec.count ?? 0));
      case "/build":
        return Response.json(await lab.benchBuild());
      case "/false-positives":
        return Response.json(await lab.benchFalsePositives(spec.samples ?? 0));
      case "/drop":
        await lab.benchDrop();
        return Response.json({ dropped: spec.instance });
      default:
        return new Response(null, { status: 404 });
    }
  },
} satisfies ExportedHandler<LabEnv>;
