/**
 * Sealing (AES-GCM, WebCrypto: njs 0.7.0+) and hashing. What the gate keeps outside itself — cookies, the
 * exchange cache — is sealed under a key derived from material the holder must present again.
 */
import hashing from 'crypto';

export function sha256Hex(text: string): string {
  return hashing.createHash('sha256').update(text).digest('hex');
}

export function sha256Base64url(text: string): string {
  return hashing.createHash('sha256').update(text).digest('base64url');
}

async function sealingKey(material: string) {
  const raw = hashing.createHash('sha256').update(material).digest();
  return crypto.subtle.importKey('raw', raw, 'AES-GCM', false, ['encrypt', 'decrypt']);
}

// njs-types 0.7.12 leaves AesGcmParams out of CipherAlgorithm.
function aesGcm(iv: Uint8Array): CipherAlgorithm {
  const params: AesGcmParams = { name: 'AES-GCM', iv };
  return params as unknown as CipherAlgorithm;
}

export async function seal(material: string, text: string): Promise<string> {
  const iv = new Uint8Array(12);
  crypto.getRandomValues(iv);
  const key = await sealingKey(material);
  // Bytes, not the string: QuickJS's WebCrypto accepts only buffers (the njs engine takes either).
  const sealed = await crypto.subtle.encrypt(aesGcm(iv), key, Buffer.from(text));
  return Buffer.concat([Buffer.from(iv), Buffer.from(sealed)]).toString('base64url');
}

/** The sealed text, or null when it does not open under `material` (forged, damaged, another key). */
export async function unseal(material: string, sealed: string): Promise<string | null> {
  try {
    const bytes = Buffer.from(sealed, 'base64url');
    const key = await sealingKey(material);
    const opened = await crypto.subtle.decrypt(aesGcm(bytes.slice(0, 12)), key, bytes.slice(12));
    return Buffer.from(opened).toString();
  } catch (e) {
    return null;
  }
}

export function randomToken(): string {
  const bytes = new Uint8Array(32);
  crypto.getRandomValues(bytes);
  return Buffer.from(bytes).toString('base64url');
}
