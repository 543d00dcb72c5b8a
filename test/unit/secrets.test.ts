import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { AwsSecretResolver, LocalSecretResolver, SecretNotFoundError, secretEnvName } from '../../shared/secrets';

describe('local secrets', () => {
  it.each([
    ['marketo', 'ML_SECRET_MARKETO'],
    ['peoplesoft/hr-prod', 'ML_SECRET_PEOPLESOFT_HR_PROD'],
  ])('reads secret %s from $%s', (name, variable) => {
    expect(secretEnvName(name)).toBe(variable);
  });

  it('prefers the environment, then the secrets file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'secrets-'));
    try {
      const file = join(dir, 'secrets.json');
      await writeFile(file, JSON.stringify({ marketo: { clientId: 'from-file', clientSecret: 's' }, peoplesoft: '{"username":"PS","password":"p"}' }));
      const resolver = new LocalSecretResolver(file, { ML_SECRET_MARKETO: '{"clientId":"from-env","clientSecret":"s"}' });
      expect((await resolver.get('marketo')).clientId).toBe('from-env');
      expect((await resolver.get('peoplesoft')).username).toBe('PS');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('names where a missing secret is looked for', async () => {
    const resolver = new LocalSecretResolver('/nowhere/secrets.json', {});
    const error = await resolver.get('marketo').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SecretNotFoundError);
    expect((error as Error).message).toContain('$ML_SECRET_MARKETO');
    expect((error as Error).message).toContain('/nowhere/secrets.json');
  });

  it('never echoes a malformed secret value', async () => {
    const resolver = new LocalSecretResolver(undefined, { ML_SECRET_MARKETO: 'clientSecret=hunter2' });
    const error = await resolver.get('marketo').catch((e: unknown) => e as Error);
    expect(error.message).toContain('not a JSON object');
    expect(error.message).not.toContain('hunter2');
  });
});

describe('deployed secrets', () => {
  it('keeps a value per container until it is forgotten, then reads the secret again', async () => {
    const stored = ['{"clientId":"c","clientSecret":"old"}', '{"clientId":"c","clientSecret":"fixed"}'];
    const asked: string[] = [];
    // Stands in for Secrets Manager: each read returns the value stored at that time.
    const client = {
      send: async (command: { input: { SecretId: string } }) => {
        asked.push(command.input.SecretId);
        return { SecretString: stored[Math.min(asked.length - 1, stored.length - 1)] };
      },
    } as unknown as SecretsManagerClient;
    const resolver = new AwsSecretResolver(client, (name) => `ml-connector/acme/${name}`);

    expect((await resolver.get('marketo')).clientSecret).toBe('old');
    expect((await resolver.get('marketo')).clientSecret).toBe('old');
    resolver.forget('marketo');
    expect((await resolver.get('marketo')).clientSecret).toBe('fixed');
    expect(asked).toEqual(['ml-connector/acme/marketo', 'ml-connector/acme/marketo']);
  });
});
