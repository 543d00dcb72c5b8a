import { DecryptCommand, EncryptCommand, type KMSClient } from '@aws-sdk/client-kms';
import { ErrorKind, ExternalSystemError } from '../errors';
import { SealedTokenUnreadableError } from './SealedTokenUnreadableError';
import type { TokenSealer } from './TokenSealer';

export interface KmsTokenSealerOptions {
  /** A KMS client (tests hand in a stand-in with the same `send`). */
  readonly client: Pick<KMSClient, 'send'>;
  /** The stack's key: its ARN (or an alias, from an operator's machine). */
  readonly keyId: string;
}

const PREFIX = 'kms:';
/** KMS answers that mean "not this key or not this context": the token is unreadable, not the service down. */
const UNREADABLE = new Set(['InvalidCiphertextException', 'IncorrectKeyException']);
/** KMS answers a human must fix (key policy, role grant, disabled or deleted key). */
const MISCONFIGURED = new Set(['AccessDeniedException', 'NotFoundException', 'DisabledException', 'KMSInvalidStateException', 'InvalidKeyUsageException']);

/**
 * Seals shared access tokens with the stack's KMS key (Encrypt / Decrypt, at most 4 KB, which
 * an OAuth access token is far below), so the state table never holds a usable token. The
 * encryption context names the system and account the token is for: a token copied to another
 * account's item does not open. Messages name the key and the operation, never the token.
 */
export class KmsTokenSealer implements TokenSealer {
  public constructor(private readonly options: KmsTokenSealerOptions) {}

  public async seal(plain: string, context: Readonly<Record<string, string>>): Promise<string> {
    const answer = await this.send('Encrypt', () =>
      this.options.client.send(new EncryptCommand({ KeyId: this.options.keyId, Plaintext: Buffer.from(plain, 'utf8'), EncryptionContext: { ...context } })),
    );
    if (!answer.CiphertextBlob) throw this.failure('Encrypt', 'KMS returned no ciphertext', ErrorKind.Retryable);
    return `${PREFIX}${Buffer.from(answer.CiphertextBlob).toString('base64')}`;
  }

  public async open(sealed: string, context: Readonly<Record<string, string>>): Promise<string> {
    if (!sealed.startsWith(PREFIX)) {
      throw new SealedTokenUnreadableError('the cached token was not sealed with KMS', { system: 'kms', operation: `Decrypt with ${this.options.keyId}` });
    }
    const answer = await this.send('Decrypt', () =>
      this.options.client.send(
        new DecryptCommand({
          KeyId: this.options.keyId,
          CiphertextBlob: Buffer.from(sealed.slice(PREFIX.length), 'base64'),
          EncryptionContext: { ...context },
        }),
      ),
    );
    if (!answer.Plaintext) throw this.failure('Decrypt', 'KMS returned no plaintext', ErrorKind.Retryable);
    return Buffer.from(answer.Plaintext).toString('utf8');
  }

  private async send<R>(operation: 'Encrypt' | 'Decrypt', call: () => Promise<R>): Promise<R> {
    try {
      return await call();
    } catch (error) {
      const name = (error as Error).name;
      if (operation === 'Decrypt' && UNREADABLE.has(name)) {
        throw new SealedTokenUnreadableError(`${name}: sealed with another key or for another account`, {
          system: 'kms',
          operation: `Decrypt with ${this.options.keyId}`,
          cause: error,
        });
      }
      if (MISCONFIGURED.has(name)) {
        throw this.failure(operation, `${name}: ${(error as Error).message}`, ErrorKind.Misconfigured, error, `the function's role needs kms:Encrypt and kms:Decrypt on ${this.options.keyId}, and the key must be enabled`);
      }
      throw this.failure(operation, `${name}: ${(error as Error).message}`, ErrorKind.Retryable, error);
    }
  }

  private failure(operation: string, message: string, kind: ErrorKind, cause?: unknown, hint?: string): ExternalSystemError {
    return new ExternalSystemError(message, {
      system: 'kms',
      operation: `${operation} with ${this.options.keyId}`,
      kind,
      ...(cause ? { cause } : {}),
      ...(hint ? { hint } : {}),
    });
  }
}
