/**
 * The kinds of setting and the one grammar they are read with: how a raw value becomes a typed one,
 * when it is unset, and which error a bad one raises.
 * @module
 */
import { ConfigurationError, type ConfigurationErrorClass, invalidSetting } from "./errors";

/**
 * What a setting that is set but unusable reads as. `"default"`: its default, for a setting that only
 * tunes (a cache lifetime, a timeout) and must never stop the worker. `"refuse"`: a
 * {@link ConfigurationError}, for a setting the worker must not guess.
 */
type OnInvalid = "default" | "refuse";

/** How one setting is read. */
export interface Rule<T> {
  /** What a usable value is, as the error message says it after "must be". */
  readonly describes: string;
  read(name: string, raw: string | undefined): T;
}

/** `true`, or what the message adds after "is not set: ". */
type Required = true | string;

/** A required setting is unset: "`name` is not set", and why it is needed when that helps. */
function missingSetting(name: string, required: Required, Invalid: ConfigurationErrorClass): ConfigurationError {
  return new Invalid(required === true ? `${name} is not set` : `${name} is not set: ${required}`);
}

interface Common {
  /** The class of the error; {@link ConfigurationError} unless the setting belongs to a family member. */
  error?: ConfigurationErrorClass;
  /** Read as given rather than trimmed, and unset only when empty: secrets, credentials, names. */
  exact?: boolean;
}

// The grammar. Every value is trimmed (but for `exact` settings) and a blank one is unset. Numbers
// are plain decimals, without sign, exponent or hex: a whole number is digits, a decimal may have
// a point ("0.5", ".5", "12").
const WHOLE = /^\d+$/;
const DECIMAL = /^\d*\.?\d+$/;

// A var that wrangler.toml writes as a number or a boolean (`RATE_LIMIT_PERIOD = 60`) reads as its text.
function present(raw: unknown, exact = false): string | undefined {
  if (typeof raw === "number" || typeof raw === "boolean") raw = String(raw);
  if (typeof raw !== "string") return undefined;
  const value = exact ? raw : raw.trim();
  return value === "" ? undefined : value;
}

interface NumberOptions extends Omit<Common, "exact"> {
  unit: "seconds" | "milliseconds";
  fallback: number;
  /** Smallest usable value; 0 by default. */
  min?: number;
  onInvalid?: OnInvalid;
  /** `"down"`: a fraction is dropped (`12.7` reads as 12). */
  round?: "down";
}

/**
 * A whole number of `unit`.
 * @example wholeNumber({ unit: "seconds", fallback: 60, min: 1, onInvalid: "default" })
 */
export function wholeNumber(options: NumberOptions): Rule<number> {
  return numberRule(WHOLE, "a whole number", options);
}

/**
 * A number of `unit`, fractions allowed.
 * @example decimalNumber({ unit: "seconds", fallback: 1 })
 */
export function decimalNumber(options: NumberOptions): Rule<number> {
  return numberRule(DECIMAL, "a number", options);
}

function numberRule(
  shape: RegExp,
  kind: string,
  { unit, fallback, min = 0, onInvalid = "refuse", round, error = ConfigurationError }: NumberOptions,
): Rule<number> {
  const describes = `${kind} of ${unit}${min > 0 ? `, at least ${min}` : ""}`;
  return {
    describes,
    read(name, raw) {
      const value = present(raw);
      if (value === undefined) return fallback;
      const number = shape.test(value) ? Number(value) : Number.NaN;
      if (Number.isFinite(number) && number >= min) return round === "down" ? Math.floor(number) : number;
      if (onInvalid === "default") return fallback;
      throw invalidSetting(name, describes, error);
    },
  };
}

/**
 * `"true"` or `"false"`, in any case.
 * @example flag() // unset: false
 */
export function flag({
  fallback = false,
  error = ConfigurationError,
}: Omit<Common, "exact"> & { fallback?: boolean } = {}): Rule<boolean> {
  const describes = '"true" or "false"';
  return {
    describes,
    read(name, raw) {
      const value = present(raw)?.toLowerCase();
      if (value === undefined) return fallback;
      if (value === "true" || value === "false") return value === "true";
      throw invalidSetting(name, describes, error);
    },
  };
}

/**
 * One of a few names, compared exactly.
 * @example choice(["registry", "jwt"], { fallback: "registry" })
 */
export function choice<const C extends string>(
  choices: readonly C[],
  { fallback, error = ConfigurationError }: Omit<Common, "exact"> & { fallback: C },
): Rule<C> {
  const names = choices.map((name) => `"${name}"`);
  const describes = `one of ${names.slice(0, -1).join(", ")} or ${names.at(-1)}`;
  return {
    describes,
    read(name, raw) {
      const value = present(raw);
      if (value === undefined) return fallback;
      if ((choices as readonly string[]).includes(value)) return value as C;
      throw invalidSetting(name, describes, error);
    },
  };
}

interface Presence<T> {
  /** The value when unset. */
  fallback?: T;
  /** Unset is an error; a string says why the setting is needed. */
  required?: Required;
}

type Read<T, O> = O extends { fallback: T } | { required: Required } ? T : T | undefined;

/**
 * Comma-separated items, each trimmed, blanks dropped. Set to only commas, it is an empty list.
 * @example list({ fallback: [] }) // "a, b" reads as ["a", "b"]
 */
export function list<const O extends Presence<string[]> & Omit<Common, "exact">>(options?: O): Rule<Read<string[], O>> {
  const { fallback, required, error = ConfigurationError } = options ?? {};
  return {
    describes: "a comma-separated list",
    read(name, raw) {
      const value = present(raw);
      if (value === undefined) {
        if (required) throw missingSetting(name, required, error);
        return fallback as Read<string[], O>;
      }
      return value
        .split(",")
        .map((item) => item.trim())
        .filter(Boolean);
    },
  };
}

interface TextOptions extends Presence<string>, Common {
  /** What a usable value looks like: a pattern, or a test of the whole value. */
  valid?: RegExp | ((value: string) => boolean);
  /** What `valid` accepts, for the message. */
  describes?: string;
}

/**
 * Free text, or text of a given shape.
 * @example text({ valid: /^[a-z]+$/, describes: "lower-case letters" })
 */
export function text<const O extends TextOptions>(options?: O): Rule<Read<string, O>> {
  const { fallback, required, valid, describes = "text", exact, error = ConfigurationError } = options ?? {};
  return {
    describes,
    read(name, raw) {
      const value = present(raw, exact);
      if (value === undefined) {
        if (required) throw missingSetting(name, required, error);
        return fallback as Read<string, O>;
      }
      const usable = valid === undefined || (typeof valid === "function" ? valid(value) : valid.test(value));
      if (!usable) throw invalidSetting(name, describes, error);
      return value;
    },
  };
}

interface UrlOptions extends Presence<string>, Omit<Common, "exact"> {
  /** `"https"`: https only; http(s) by default. */
  scheme?: "https" | "http(s)";
  /**
   * What is kept: the whole address (`href`, the default), its `origin`, or a `base`: origin and
   * path without trailing slashes or `versionSuffix`, so that an API's root and its versioned
   * endpoint read alike.
   */
  form?: "href" | "origin" | "base";
  /** With `form: "base"`: an API version at the end of the path to drop (`/\/v3$/`). */
  versionSuffix?: RegExp;
  /** A value to show in the message. */
  example?: string;
}

/**
 * An http(s) address.
 * @example url({ form: "base", versionSuffix: /\/v3$/, required: true }) // "http://127.0.0.1:5000/v3/" reads as "http://127.0.0.1:5000"
 */
export function url<const O extends UrlOptions>(options?: O): Rule<Read<string, O>> {
  const {
    fallback,
    required,
    scheme = "http(s)",
    form = "href",
    versionSuffix,
    example,
    error = ConfigurationError,
  } = options ?? {};
  const describes = `${scheme === "https" ? "an https://" : "an http(s)"} URL${example ? ` such as ${example}` : ""}`;
  return {
    describes,
    read(name, raw) {
      const value = present(raw);
      if (value === undefined) {
        if (required) throw missingSetting(name, required, error);
        return fallback as Read<string, O>;
      }
      const parsed = parseUrl(value);
      const schemes = scheme === "https" ? ["https:"] : ["http:", "https:"];
      if (!parsed || !schemes.includes(parsed.protocol)) throw invalidSetting(name, describes, error);
      if (form === "origin") return parsed.origin;
      if (form === "href") return parsed.href;
      const base = `${parsed.origin}${parsed.pathname}`.replace(/\/+$/, "");
      return versionSuffix ? base.replace(versionSuffix, "") : base;
    },
  };
}

/**
 * A JSON value of a given shape.
 * @example json({ valid: isRecord, describes: "a JSON object" })
 */
export function json<T>({
  valid,
  describes,
  error = ConfigurationError,
}: Omit<Common, "exact"> & { valid: (value: unknown) => value is T; describes: string }): Rule<T | undefined> {
  return {
    describes,
    read(name, raw) {
      const value = present(raw);
      if (value === undefined) return undefined;
      let parsed: unknown;
      try {
        parsed = JSON.parse(value);
      } catch {
        throw invalidSetting(name, describes, error);
      }
      if (!valid(parsed)) throw invalidSetting(name, describes, error);
      return parsed;
    },
  };
}

function parseUrl(value: string): URL | undefined {
  try {
    return new URL(value);
  } catch {
    return undefined;
  }
}
