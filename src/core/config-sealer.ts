import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";

/** A 256-bit key and the id that names it in every value it sealed, so keys can be rotated. */
export interface SealingKey {
  readonly id: string;
  readonly key: Buffer;
}

/** `sealed:v1:<key id>:<base64 of iv ‖ tag ‖ ciphertext>`. */
const sealedValue = /^sealed:v1:([A-Za-z0-9._-]+):([A-Za-z0-9+/=]+)$/;
const ivBytes = 12;
const tagBytes = 16;

/**
 * Seals the secret settings of a saved connector config with AES-256-GCM (NIST SP 800-38D: a fresh 96-bit IV
 * per value, a 128-bit tag), the setting's key as associated data so a sealed value cannot be moved to another
 * setting. The first key seals; every key listed opens, so an old key can stay until no snapshot needs it.
 * Without keys nothing can be sealed: secret settings are then left out, never stored in clear.
 */
export class ConfigSealer {
  readonly #keys: readonly SealingKey[];

  constructor(keys: readonly SealingKey[] = []) {
    for (const { id, key } of keys) {
      if (key.length !== 32) throw new Error(`Sealing key ${id} is ${key.length} bytes; AES-256 needs 32`);
    }
    this.#keys = keys;
  }

  /** Whether secret settings can be kept (sealed); without a key they are left out of snapshots. */
  get canSeal(): boolean {
    return this.#keys.length > 0;
  }

  /** The config with each of `secretKeys` sealed, or left out when no key is set. */
  seal(config: Readonly<Record<string, string>>, secretKeys: readonly string[]): Record<string, string> {
    const current = this.#keys[0];
    const secret = new Set(secretKeys);
    return Object.fromEntries(
      Object.entries(config).flatMap(([name, value]) => {
        if (!secret.has(name) || sealedValue.test(value)) return [[name, value]];
        if (current === undefined) return [];
        const iv = randomBytes(ivBytes);
        const cipher = createCipheriv("aes-256-gcm", current.key, iv).setAAD(Buffer.from(name));
        const sealed = Buffer.concat([cipher.update(value, "utf8"), cipher.final()]);
        const packed = Buffer.concat([iv, cipher.getAuthTag(), sealed]).toString("base64");
        return [[name, `sealed:v1:${current.id}:${packed}`]];
      }),
    );
  }

  /**
   * The config with every sealed value opened. A value sealed under a key no longer configured, or altered
   * (its tag does not verify), is left out: the caller sees it missing and names it.
   */
  open(config: Readonly<Record<string, string>>): Record<string, string> {
    return Object.fromEntries(
      Object.entries(config).flatMap(([name, value]) => {
        const match = sealedValue.exec(value);
        if (match === null) return [[name, value]];
        const key = this.#keys.find((candidate) => candidate.id === match[1]);
        if (key === undefined) return [];
        const packed = Buffer.from(match[2] ?? "", "base64");
        try {
          const decipher = createDecipheriv("aes-256-gcm", key.key, packed.subarray(0, ivBytes))
            .setAAD(Buffer.from(name))
            .setAuthTag(packed.subarray(ivBytes, ivBytes + tagBytes));
          const opened = Buffer.concat([
            decipher.update(packed.subarray(ivBytes + tagBytes)),
            decipher.final(),
          ]);
          return [[name, opened.toString("utf8")]];
        } catch {
          return [];
        }
      }),
    );
  }
}
