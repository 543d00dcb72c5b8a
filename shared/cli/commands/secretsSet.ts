import { PutSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { peopleSoftSystems, resourceNames, SINGLE_SYSTEM, type CustomerConfig, type PeopleSoftSystemConfig } from '../../config';
import { targetCatalog, type TargetCatalog } from '../../connectors';
import { ErrorKind, MlConnectorError } from '../../errors';
import { VERIFICATION_SECRET_FIELDS } from '../../frontdoor/verifyDelivery';

/**
 * A system whose credentials live in one Secrets Manager secret: a PeopleSoft system
 * (`peoplesoft.hcm`, or `peoplesoft` in a single-system config), a target's or a pushed source's name.
 */
export type SecretSystem = string;

/** One external system's secret: the config's secret name and the JSON fields its value must have. */
export interface SystemSecret {
  readonly system: SecretSystem;
  /** The secret name from the config (`peoplesoft.auth.secret`, `targets.<name>.secret`). */
  readonly name: string;
  readonly fields: readonly string[];
  /** The config field that names the secret, for messages. */
  readonly configField: string;
}

/**
 * Every secret the config needs, with the fields its value must hold. The CDK stack creates one
 * Secrets Manager secret per entry; `setSecret` checks a value against the same list.
 */
export function systemSecrets(config: CustomerConfig, catalog: TargetCatalog = targetCatalog): SystemSecret[] {
  const secrets: SystemSecret[] = [];
  for (const system of peopleSoftSystems(config.peoplesoft)) {
    // Two systems may share one service account, hence one secret.
    if (secrets.some((secret) => secret.name === system.auth.secret)) continue;
    secrets.push({
      system: peopleSoftSecretSystem(system),
      name: system.auth.secret,
      fields: system.auth.kind === 'basic' ? ['username', 'password'] : ['clientId', 'clientSecret'],
      configField: `${system.field}.auth.secret`,
    });
  }
  for (const [target, settings] of Object.entries(config.targets)) {
    const definition = catalog[target];
    if (!settings?.secret || !definition || definition.secretFields.length === 0) continue;
    secrets.push({ system: target, name: settings.secret, fields: definition.secretFields, configField: `targets.${target}.secret` });
  }
  for (const [source, declaration] of Object.entries(config.pushed ?? {})) {
    const { secret, kind } = declaration.verify;
    secrets.push({ system: source, name: secret, fields: VERIFICATION_SECRET_FIELDS[kind], configField: `pushed.${source}.verify.secret` });
  }
  return secrets;
}

/** How `secrets set --system` names a PeopleSoft system: `peoplesoft.<name>`, or `peoplesoft` alone in a single-system config. */
export function peopleSoftSecretSystem(system: Pick<PeopleSoftSystemConfig, 'name'>): SecretSystem {
  return system.name === SINGLE_SYSTEM ? 'peoplesoft' : `peoplesoft.${system.name}`;
}

/** The secret `--system` names: a target, `peoplesoft.<name>` (or the system's bare name), or `peoplesoft` when there is one system. */
function findSecret(config: CustomerConfig, system: SecretSystem): SystemSecret | undefined {
  const secrets = systemSecrets(config);
  const exact = secrets.find((entry) => entry.system === system);
  if (exact) return exact;
  const systems = peopleSoftSystems(config.peoplesoft);
  const named = system.startsWith('peoplesoft.') ? system.slice('peoplesoft.'.length) : system;
  const match = systems.find((candidate) => candidate.name === named) ?? (system === 'peoplesoft' && systems.length === 1 ? systems[0] : undefined);
  return match ? secrets.find((entry) => entry.name === match.auth.secret) : undefined;
}

/** The secret value is not usable; the message names fields, never values. */
export class SecretValueError extends MlConnectorError {
  public readonly system: SecretSystem;

  public constructor(system: SecretSystem, message: string) {
    super(`${system} secret: ${message}`, ErrorKind.Misconfigured);
    this.name = 'SecretValueError';
    this.system = system;
  }
}

function parseValue(system: SecretSystem, value: string, fields: readonly string[]): Record<string, string> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    // Never echo the text: it is a credential.
    throw new SecretValueError(system, `the value is not JSON; expected an object with ${fields.join(', ')}`);
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new SecretValueError(system, `the value must be a JSON object with ${fields.join(', ')}`);
  }
  const entries = parsed as Record<string, unknown>;
  const missing = fields.filter((field) => typeof entries[field] !== 'string' || (entries[field] as string).trim() === '');
  if (missing.length > 0) throw new SecretValueError(system, `missing or empty field(s): ${missing.join(', ')} (expected ${fields.join(', ')})`);
  const unknown = Object.keys(entries).filter((key) => !fields.includes(key));
  if (unknown.length > 0) throw new SecretValueError(system, `unknown field(s): ${unknown.join(', ')} (expected ${fields.join(', ')})`);
  return Object.fromEntries(fields.map((field) => [field, entries[field] as string]));
}

/** What to do about an AWS failure, by the SDK error's name; empty when there is nothing to add. */
function awsFailureHint(name: string, secretId: string): string {
  if (name === 'ResourceNotFoundException') return ': deploy the stack first (npx cdk deploy), it creates the secret';
  if (name === 'CredentialsProviderError') {
    return (
      ': no AWS credentials found; set AWS_PROFILE to a profile of the target account (for IAM Identity Center, ' +
      'run "aws sso login --profile <name>" first) or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN)'
    );
  }
  if (['ExpiredToken', 'ExpiredTokenException', 'TokenRefreshRequired'].includes(name)) {
    return ': the AWS session has expired; log in again (e.g. "aws sso login --profile <name>")';
  }
  if (['UnrecognizedClientException', 'InvalidSignatureException', 'InvalidClientTokenId'].includes(name)) {
    return ': the AWS access key is not valid for this account; check AWS_PROFILE or AWS_ACCESS_KEY_ID';
  }
  if (name === 'AccessDeniedException') return `: the AWS identity may not call secretsmanager:PutSecretValue on ${secretId}`;
  return '';
}

export interface SetSecretOptions {
  readonly config: CustomerConfig;
  readonly system: SecretSystem;
  /** The JSON value, read from stdin or a prompt by the caller (never from argv). */
  readonly value: string;
  /** Defaults to a client for the config's region. */
  readonly client?: SecretsManagerClient;
}

/**
 * Stores a system's credentials in the secret the stack created for it
 * (`ml-connector/<customer>/<secret name>`), after checking that the JSON has exactly the fields
 * the pipeline reads. Returns the secret id; the value is never printed or put in an error.
 */
export async function setSecret(options: SetSecretOptions): Promise<string> {
  const { config, system } = options;
  const secret = findSecret(config, system);
  if (!secret) {
    const known = systemSecrets(config).map((entry) => entry.system).join(', ');
    throw new MlConnectorError(`the config has no ${system} system, so there is no ${system} secret to set (known: ${known})`, ErrorKind.Misconfigured);
  }
  const value = parseValue(system, options.value, secret.fields);
  const secretId = resourceNames(config).secret(secret.name);
  const client = options.client ?? new SecretsManagerClient({ region: config.region });
  try {
    await client.send(new PutSecretValueCommand({ SecretId: secretId, SecretString: JSON.stringify(value) }));
  } catch (error) {
    const name = (error as Error).name;
    const hint = awsFailureHint(name, secretId);
    // The SDK's message never contains the value, but keep only its name and ours to be sure.
    throw new MlConnectorError(`cannot store ${secretId}: ${name}${hint}`, ErrorKind.Misconfigured, { cause: error });
  } finally {
    if (!options.client) client.destroy();
  }
  return secretId;
}
