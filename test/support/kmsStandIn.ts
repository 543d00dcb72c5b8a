import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { DecryptCommand, EncryptCommand } from '@aws-sdk/client-kms';

/** One Encrypt or Decrypt as the stand-in received it. */
export interface KmsStandInCall {
  readonly operation: 'Encrypt' | 'Decrypt';
  readonly keyId: string | undefined;
  readonly context: Readonly<Record<string, string>>;
}

/**
 * An in-process stand-in for the KMS client's `send` (there is no KMS emulator here): Encrypt and
 * Decrypt with AES-256-GCM under a key of its own, the encryption context bound as additional
 * authenticated data, so a ciphertext opens only with the context it was sealed with
 * (`InvalidCiphertextException` otherwise, as KMS answers). `deny` makes every call fail with
 * `AccessDeniedException`, as a role without the grant would.
 */
export function kmsStandIn(keyArn: string): { send: (command: unknown) => Promise<unknown>; calls: KmsStandInCall[]; deny: boolean } {
  const key = randomBytes(32);
  const aad = (context: Record<string, string> | undefined): Buffer =>
    Buffer.from(JSON.stringify(Object.entries(context ?? {}).sort(([a], [b]) => a.localeCompare(b))), 'utf8');
  const fail = (name: string, message: string): Error => Object.assign(new Error(message), { name });
  const standIn = {
    calls: [] as KmsStandInCall[],
    deny: false,
    send: async (command: unknown): Promise<unknown> => {
      await Promise.resolve();
      if (command instanceof EncryptCommand) {
        const { KeyId, Plaintext, EncryptionContext } = command.input;
        standIn.calls.push({ operation: 'Encrypt', keyId: KeyId, context: { ...EncryptionContext } });
        if (standIn.deny) throw fail('AccessDeniedException', `User is not authorized to perform: kms:Encrypt on resource: ${keyArn}`);
        if (KeyId !== keyArn) throw fail('NotFoundException', `Key '${KeyId}' does not exist`);
        const iv = randomBytes(12);
        const cipher = createCipheriv('aes-256-gcm', key, iv).setAAD(aad(EncryptionContext));
        const body = Buffer.concat([cipher.update(Buffer.from(Plaintext!)), cipher.final()]);
        return { CiphertextBlob: new Uint8Array(Buffer.concat([iv, cipher.getAuthTag(), body])), KeyId: keyArn };
      }
      if (command instanceof DecryptCommand) {
        const { KeyId, CiphertextBlob, EncryptionContext } = command.input;
        standIn.calls.push({ operation: 'Decrypt', keyId: KeyId, context: { ...EncryptionContext } });
        if (standIn.deny) throw fail('AccessDeniedException', `User is not authorized to perform: kms:Decrypt on resource: ${keyArn}`);
        const blob = Buffer.from(CiphertextBlob!);
        try {
          const decipher = createDecipheriv('aes-256-gcm', key, blob.subarray(0, 12)).setAAD(aad(EncryptionContext));
          decipher.setAuthTag(blob.subarray(12, 28));
          return { Plaintext: new Uint8Array(Buffer.concat([decipher.update(blob.subarray(28)), decipher.final()])), KeyId: keyArn };
        } catch {
          throw fail('InvalidCiphertextException', '');
        }
      }
      throw new Error(`the KMS stand-in does not answer ${(command as object).constructor.name}`);
    },
  };
  return standIn;
}
