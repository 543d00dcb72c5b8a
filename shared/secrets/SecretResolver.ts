import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { ErrorKind, MlConnectorError } from '../errors';

/** Resolves a secret *name* from the config to its JSON value. Values are never logged. */
export interface SecretResolver {
  get(name: string): Promise<Record<string, string>>;
  /** Drops a cached value (the system refused it), so the next `get` reads the secret again. */
  forget?(name: string): void;
}

export class SecretNotFoundError extends MlConnectorError {
  public readonly secretName: string;

  public constructor(secretName: string, where: string) {
    super(`secret "${secretName}" not found: ${where}`, ErrorKind.Misconfigured);
    this.name = 'SecretNotFoundError';
    this.secretName = secretName;
  }
}

/** `ML_SECRET_` + the name upper-cased with every other character turned into `_`. */
export function secretEnvName(name: string): string {
  return `ML_SECRET_${name.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;
}

function parseSecret(name: string, text: string, where: string): Record<string, string> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    // Never echo the text: it is a credential.
    throw new MlConnectorError(`secret "${name}" in ${where} is not a JSON object`, ErrorKind.Misconfigured);
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) {
    throw new MlConnectorError(`secret "${name}" in ${where} is not a JSON object`, ErrorKind.Misconfigured);
  }
  return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, String(v)]));
}

/**
 * The local secrets file as a JSON object, or why it cannot be used (naming `local.secretsFile`,
 * never echoing its text: it holds credentials).
 */
async function readSecretsFile(path: string): Promise<Record<string, unknown> | string> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return `local.secretsFile ${resolve(path)} ${code === 'ENOENT' ? 'does not exist' : `cannot be read (${code ?? (error as Error).name})`}`;
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    value = undefined;
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) {
    return `local.secretsFile ${resolve(path)} is not a JSON object of secret name → value`;
  }
  return value as Record<string, unknown>;
}

/**
 * Local runs: a secret comes from the environment variable `ML_SECRET_<NAME>` (JSON), else from
 * the local secrets file (a JSON object of name → value), in that order.
 */
export class LocalSecretResolver implements SecretResolver {
  private file?: Promise<Record<string, unknown> | string>;

  public constructor(
    private readonly secretsFile?: string,
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {}

  public async get(name: string): Promise<Record<string, string>> {
    const variable = secretEnvName(name);
    const fromEnv = this.env[variable];
    if (fromEnv) return parseSecret(name, fromEnv, `$${variable}`);
    if (this.secretsFile) {
      const file = await (this.file ??= readSecretsFile(this.secretsFile));
      if (typeof file === 'string') throw new SecretNotFoundError(name, `${file}; create it, or set $${variable} to the secret's JSON value`);
      const entry = file[name];
      if (entry !== undefined) return parseSecret(name, typeof entry === 'string' ? entry : JSON.stringify(entry), this.secretsFile);
    }
    throw new SecretNotFoundError(name, `set $${variable} to its JSON value${this.secretsFile ? ` or add it to ${this.secretsFile}` : ''}`);
  }
}

/** Deployed runs: Secrets Manager, under `ml-connector/<customer>/<name>`, cached per container. */
export class AwsSecretResolver implements SecretResolver {
  private readonly cache = new Map<string, Promise<Record<string, string>>>();

  public constructor(
    private readonly client: SecretsManagerClient,
    private readonly secretId: (name: string) => string,
  ) {}

  public get(name: string): Promise<Record<string, string>> {
    let value = this.cache.get(name);
    if (!value) {
      value = this.fetch(name);
      this.cache.set(name, value);
      value.catch(() => this.cache.delete(name));
    }
    return value;
  }

  public forget(name: string): void {
    this.cache.delete(name);
  }

  private async fetch(name: string): Promise<Record<string, string>> {
    const id = this.secretId(name);
    try {
      const result = await this.client.send(new GetSecretValueCommand({ SecretId: id }));
      if (!result.SecretString) throw new SecretNotFoundError(name, `${id} has no value yet: run "ml-connector secrets set"`);
      return parseSecret(name, result.SecretString, id);
    } catch (error) {
      if (error instanceof MlConnectorError) throw error;
      if ((error as Error).name === 'ResourceNotFoundException') throw new SecretNotFoundError(name, `no secret ${id}`);
      throw new MlConnectorError(`cannot read secret ${id}: ${(error as Error).name}`, ErrorKind.Retryable, { cause: error });
    }
  }
}
