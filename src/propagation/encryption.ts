/**
 * Encryption of propagation messages: AES-256-GCM (WebCrypto) under the secret `PROPAGATION_KEY`,
 * so that the queue and its dead-letter queue hold ciphertext only. Format in `docs/storage.md`.
 * @module
 */
import { type PropagationKeySettings, propagationKeyTexts } from "../settings/propagation-keys";

/** The version of the sealed format; part of the associated data, so a message of another cannot open. */
export const SEALED_VERSION = 2;

/**
 * What travels on the queue. Everything but `ct` is in clear and secret-free: the format version,
 * the id of the key that sealed it (a truncated digest of the key, which reveals nothing of it but
 * tells the consumer, and an operator reading the dead-letter queue, which key it needs), and the IV.
 */
export interface SealedPropagation {
  readonly v: typeof SEALED_VERSION;
  /** Key id: base64url of the first 8 bytes of SHA-256("token-revocation propagation key\n" + key). */
  readonly kid: string;
  /** base64url of the 96-bit IV, random per message. */
  readonly iv: string;
  /** base64url of the AES-GCM ciphertext and its 128-bit tag. */
  readonly ct: string;
}

interface PropagationKey {
  readonly kid: string;
  readonly key: CryptoKey;
}

/** The key that seals, and the previous one, still accepted for opening while the queue drains. */
export interface PropagationKeyring {
  readonly current: PropagationKey;
  readonly previous?: PropagationKey | undefined;
}

const IV_BYTES = 12;
const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });

// Imported once per isolate and setting: the settings do not change while an isolate lives.
const keyrings = new Map<string, Promise<PropagationKeyring>>();

/**
 * The keyring of this environment's settings.
 * @example const keyring = await propagationKeyring(env); await sealPropagation(message, keyring)
 */
export async function propagationKeyring(settings: PropagationKeySettings): Promise<PropagationKeyring> {
  const { current, previous } = propagationKeyTexts(settings);
  const cacheKey = `${current}\n${previous ?? ""}`;
  let keyring = keyrings.get(cacheKey);
  if (!keyring) {
    keyring = (async () => ({
      current: await importKey(keyBytes(current)),
      previous: previous === undefined ? undefined : await importKey(keyBytes(previous)),
    }))();
    keyrings.set(cacheKey, keyring);
  }
  return keyring;
}

/**
 * Seals a message under the current key, with a fresh random IV.
 * @example await env.PROPAGATION_QUEUE.send(await sealPropagation(message, keyring), { contentType: "json" })
 */
export async function sealPropagation(message: unknown, keyring: PropagationKeyring): Promise<SealedPropagation> {
  const { kid, key } = keyring.current;
  const iv = crypto.getRandomValues(new Uint8Array(IV_BYTES));
  const plaintext = encoder.encode(JSON.stringify(message));
  const ciphertext = await crypto.subtle.encrypt(
    { name: "AES-GCM", iv, additionalData: associatedData(kid) },
    key,
    plaintext,
  );
  return { v: SEALED_VERSION, kid, iv: toBase64url(iv), ct: toBase64url(new Uint8Array(ciphertext)) };
}

/**
 * Opens a sealed message with the key its `kid` names, current or previous. `null` when no key of
 * the keyring opens it: another key, a tampered byte, or a message sealed for another purpose.
 * @example const message = await openPropagation(body, keyring); // the JSON value sealed, or null
 */
export async function openPropagation(sealed: SealedPropagation, keyring: PropagationKeyring): Promise<unknown> {
  const key = [keyring.current, keyring.previous].find((candidate) => candidate?.kid === sealed.kid);
  const iv = fromBase64url(sealed.iv);
  const ciphertext = fromBase64url(sealed.ct);
  if (!key || iv?.byteLength !== IV_BYTES || !ciphertext) return null;
  try {
    const plaintext = await crypto.subtle.decrypt(
      { name: "AES-GCM", iv, additionalData: associatedData(sealed.kid) },
      key.key,
      ciphertext,
    );
    return JSON.parse(decoder.decode(plaintext));
  } catch {
    return null;
  }
}

/**
 * Whether a queue message body has the sealed form (it may still not open).
 * @example if (!isSealed(message.body)) message.ack()
 */
export function isSealed(body: unknown): body is SealedPropagation {
  if (typeof body !== "object" || body === null) return false;
  const { v, kid, iv, ct } = body as Partial<SealedPropagation>;
  return v === SEALED_VERSION && typeof kid === "string" && typeof iv === "string" && typeof ct === "string";
}

// Binds a ciphertext to its purpose and format: a message sealed under this key for anything else
// (or in another version of this format, or claiming another key id) does not open as a propagation.
function associatedData(kid: string): Uint8Array {
  return encoder.encode(`token-revocation propagation v${SEALED_VERSION} ${kid}`);
}

async function importKey(bytes: Uint8Array): Promise<PropagationKey> {
  const digest = await crypto.subtle.digest(
    "SHA-256",
    new Uint8Array([...encoder.encode("token-revocation propagation key\n"), ...bytes]),
  );
  const key = await crypto.subtle.importKey("raw", bytes, "AES-GCM", false, ["encrypt", "decrypt"]);
  return { kid: toBase64url(new Uint8Array(digest, 0, 8)), key };
}

// The text passed the setting's rule (src/settings): 32 bytes in base64 or base64url.
function keyBytes(text: string): Uint8Array {
  return fromBase64url(text.replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "")) as Uint8Array;
}

function toBase64url(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function fromBase64url(text: string): Uint8Array | undefined {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) return undefined;
  try {
    return Uint8Array.from(atob(text.replace(/-/g, "+").replace(/_/g, "/")), (char) => char.charCodeAt(0));
  } catch {
    return undefined;
  }
}
