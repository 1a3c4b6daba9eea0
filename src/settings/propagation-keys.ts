/**
 * The propagation key settings, read and checked here so that the keystone authority can refuse a
 * missing key at start without importing the propagation that uses it (no folder cycle).
 * @module
 */
import { type SettingsSource, setting } from ".";

export type PropagationKeySettings = Pick<SettingsSource, "PROPAGATION_KEY" | "PROPAGATION_KEY_PREVIOUS">;

/**
 * Checks the key settings without importing them; throws `PropagationKeyError` naming the
 * setting at fault, never its value. The keystone authority calls it when it is built, so that
 * keystone mode without a key fails at once rather than at the first revocation.
 * @example checkPropagationKeys(env) // throws unless PROPAGATION_KEY is 32 bytes in base64
 */
export function checkPropagationKeys(settings: PropagationKeySettings): void {
  propagationKeyTexts(settings);
}

/**
 * The current key and the previous one (still accepted for opening), as their settings hold them.
 * @example const { current, previous } = propagationKeyTexts(env)
 */
export function propagationKeyTexts(settings: PropagationKeySettings): {
  current: string;
  previous: string | undefined;
} {
  return { current: setting(settings, "PROPAGATION_KEY"), previous: setting(settings, "PROPAGATION_KEY_PREVIOUS") };
}
