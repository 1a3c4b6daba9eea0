/**
 * The one error family of the settings: a setting the worker cannot work with, named with its rule.
 * @module
 */

/**
 * The worker is deployed with a setting it cannot work with: a 500, since no retry can help. The
 * message names the setting and its rule, never its value, which may be a secret.
 */
export class ConfigurationError extends Error {
  override name = "ConfigurationError";
}

/** A Keystone setting is missing or malformed. */
export class KeystoneConfigError extends ConfigurationError {
  override name = "KeystoneConfigError";
}

/** A Rackspace identity setting is missing or malformed. */
export class RackspaceConfigError extends ConfigurationError {
  override name = "RackspaceConfigError";
}

/** `PROPAGATION_KEY` or `PROPAGATION_KEY_PREVIOUS` is missing or malformed. */
export class PropagationKeyError extends ConfigurationError {
  override name = "PropagationKeyError";
}

export type ConfigurationErrorClass = new (message: string) => ConfigurationError;

/**
 * The error for a setting that is set but unusable: its name and its rule, never its value.
 * @example throw invalidSetting("JWT_ROLE_MAP", "a JSON object of strings")
 */
export function invalidSetting(
  name: string,
  describes: string,
  Invalid: ConfigurationErrorClass = ConfigurationError,
): ConfigurationError {
  return new Invalid(`${name} must be ${describes}`);
}
