/**
 * The worker's settings: the one error family that a setting the worker cannot work with raises.
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
