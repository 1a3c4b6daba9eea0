import { execFileSync, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { cpusOf, pinApart, split } from "../cores";

const allowed = (pid: number) => /^Cpus_allowed_list:\s*(\S+)$/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"))![1]!;

describe("cpusOf", () => {
  it("reads single CPUs and ranges", () => {
    expect(cpusOf("0")).toEqual([0]);
    expect(cpusOf("0-2,5")).toEqual([0, 1, 2, 5]);
    expect(cpusOf(" 3,7-8\n")).toEqual([3, 7, 8]);
  });
  it("refuses what is not a list", () => {
    expect(() => cpusOf("")).toThrow(/not a CPU list/);
    expect(() => cpusOf("0-")).toThrow(/not a CPU list/);
    expect(() => cpusOf("a")).toThrow(/not a CPU list/);
  });
});

describe("split", () => {
  it("gives the runtime the smaller half and the load the rest", () => {
    expect(split([0, 1])).toEqual({ workerd: [0], load: [1] });
    expect(split([0, 1, 2])).toEqual({ workerd: [0], load: [1, 2] });
    expect(split([2, 3, 4, 5])).toEqual({ workerd: [2, 3], load: [4, 5] });
  });
  it("keeps nothing apart on one CPU", () => {
    expect(split([0])).toBeNull();
    expect(split([])).toBeNull();
  });
});

describe("pinApart", () => {
  it("moves a real process to its share and back", async () => {
    const child = spawn("sleep", ["30"]);
    try {
      const before = allowed(child.pid!);
      const { placement, restore } = pinApart(child.pid!, []);
      if ("unpinned" in placement) {
        // A machine with one CPU (or no taskset): nothing moved, and the reason is given.
        expect(placement.unpinned).not.toBe("");
        expect(allowed(child.pid!)).toBe(before);
        return;
      }
      expect(cpusOf(allowed(child.pid!))).toEqual(cpusOf(placement.workerd));
      expect(cpusOf(placement.load)).not.toContain(cpusOf(placement.workerd)[0]);
      restore();
      expect(cpusOf(allowed(child.pid!))).toEqual(cpusOf(before));
    } finally {
      child.kill();
    }
  });

  it("moves nothing when one process cannot be moved, and says why", () => {
    const workerd = spawn("sleep", ["30"]);
    const load = spawn("sleep", ["30"]);
    try {
      const before = allowed(workerd.pid!);
      // The real taskset, refusing to move the load as a sandbox might.
      const refusing = (...args: string[]) => {
        if (args.includes("-a") && args.at(-1) === String(load.pid))
          throw new Error("sched_setaffinity: Operation not permitted");
        return execFileSync("taskset", args, { encoding: "utf8" });
      };
      const { placement } = pinApart(workerd.pid!, [load.pid!], refusing);
      if ("workerd" in placement) throw new Error("pinned although the load could not be moved");
      if (placement.unpinned.startsWith("only CPU")) return; // one CPU: nothing was tried
      expect(placement.unpinned).toBe("taskset could not move a process: sched_setaffinity: Operation not permitted");
      expect(allowed(workerd.pid!)).toBe(before);
    } finally {
      workerd.kill();
      load.kill();
    }
  });
});
