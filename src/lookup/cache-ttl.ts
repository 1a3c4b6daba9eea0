/**
 * The `cacheTtl` of lookup reads, from the `LOOKUP_CACHE_TTL` variable.
 * @module
 */

/** KV's smallest `cacheTtl`, and the default. */
export const MIN_LOOKUP_CACHE_TTL = 30;

/**
 * Whole seconds of at least 30; anything else (missing, not a whole number, too small) is 30,
 * because a lookup must keep answering whatever the setting.
 * @example lookupCacheTtl("60") // 60
 * @example lookupCacheTtl("5") // 30
 */
export function lookupCacheTtl(setting: string | undefined): number {
  const seconds = Number(setting);
  return setting?.trim() && Number.isInteger(seconds) && seconds >= MIN_LOOKUP_CACHE_TTL
    ? seconds
    : MIN_LOOKUP_CACHE_TTL;
}
