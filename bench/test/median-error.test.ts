import { describe, expect, it } from "vitest";
import { medianError } from "../stats";

describe("medianError", () => {
  it("is 1.25 times the spread of the logs over the root of the count", () => {
    const logs = [Math.log(0.9), Math.log(1.1), 0, 0];
    const mean = logs.reduce((a, b) => a + b) / 4;
    const sd = Math.sqrt(logs.reduce((a, x) => a + (x - mean) ** 2, 0) / 3);
    expect(medianError([0.9, 1.1, 1, 1])).toBeCloseTo((1.25 * sd) / 2, 12);
  });
  it("is zero for rounds that agree, and shrinks with more rounds of the same spread", () => {
    expect(medianError([0.95, 0.95, 0.95])).toBeCloseTo(0, 12);
    const nine = [0.8, 1.2, 1, 0.9, 1.1, 1, 0.85, 1.15, 1];
    expect(medianError([...nine, ...nine, ...nine, ...nine])).toBeLessThan(medianError(nine) / 1.9);
  });
  it("treats a ratio and its inverse alike", () => {
    expect(medianError([0.8, 1])).toBeCloseTo(medianError([1.25, 1]), 12);
  });
});
