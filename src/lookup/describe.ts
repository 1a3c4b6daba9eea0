/**
 * How the lookups' TypeErrors name a value a caller passed: by its type only, never the value itself,
 * which may be a secret (a token) or the sibling's business (a subject).
 * @module
 */

/**
 * @example describe(42) // "a number"
 * @example describe(undefined) // "undefined"
 */
export function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  const type = typeof value;
  return type === "undefined" ? "undefined" : `${/^[aeiou]/.test(type) ? "an" : "a"} ${type}`;
}
