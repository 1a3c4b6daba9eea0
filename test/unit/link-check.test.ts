/**
 * `npm run lint:links` refuses what a reader would trip over: a missing file, a missing anchor and an
 * empty target, each in a throwaway tree run through the repository's own `.remarkrc.mjs`.
 * @module
 */
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const REPO = path.resolve(import.meta.dirname, "../..");
const run = promisify(execFile);

/** Runs the checker over `readme` beside the files given; its exit code and its report. */
async function check(readme: string, files: Record<string, string>): Promise<{ code: number; report: string }> {
  const dir = mkdtempSync(path.join(tmpdir(), "lint-links-"));
  writeFileSync(path.join(dir, "README.md"), readme);
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
  const args = [
    "--rc-path",
    path.join(REPO, ".remarkrc.mjs"),
    "--quiet",
    "--frail",
    "--no-stdout",
    "--no-color",
    "README.md",
  ];
  try {
    const { stderr } = await run(path.join(REPO, "node_modules/.bin/remark"), args, { cwd: dir });
    return { code: 0, report: stderr };
  } catch (error) {
    const { code, stderr } = error as { code: number; stderr: string };
    return { code, report: stderr };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// A remark run starts Node and loads its plugins: seconds on a busy machine.
describe("npm run lint:links", { timeout: 30_000 }, () => {
  const target = "# Target\n\n## A heading\n\nText.\n";

  it("passes links to a file, a heading in it and a heading here", async () => {
    const readme = "# Read me\n\n[file](target.md), [heading](target.md#a-heading), [here](#read-me).\n";
    expect(await check(readme, { "target.md": target })).toEqual({ code: 0, report: "" });
  });

  it.each([
    ["a missing file", "[gone](missing.md)", /Cannot find file `missing.md`/],
    ["a missing anchor", "[gone](target.md#no-such-heading)", /Cannot find heading for `#no-such-heading`/],
    ["an empty file", "[empty](empty.md)", /Link to an empty file `empty.md`/],
  ])("fails on %s", async (_what, link, message) => {
    const { code, report } = await check(`# Read me\n\n${link}\n`, { "target.md": target, "empty.md": "" });
    expect(code).toBe(1);
    expect(report).toMatch(message);
  });
});
