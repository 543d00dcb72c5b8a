export { AwsSecretResolver, LocalSecretResolver, SecretNotFoundError, secretEnvName } from './SecretResolver';
export type { SecretResolver } from './SecretResolver';
