import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resourceNames, type CustomerConfig } from '../../shared/config';
import { setSecret, systemSecrets, SecretValueError } from '../../shared/cli/commands/secretsSet';
import { startAwsStandIn, type AwsStandIn } from './support/awsStandIn';
import { exampleConfig, exampleConfigWith } from './support/synthesize';

let config: CustomerConfig;
let standIn: AwsStandIn;
let client: SecretsManagerClient;

beforeAll(async () => {
  config = await exampleConfig();
  // The secrets the stack creates (ml-connector/acme/peoplesoft and .../marketo) exist here.
  standIn = await startAwsStandIn(Object.fromEntries(systemSecrets(config).map((secret) => [resourceNames(config).secret(secret.name), {}])));
  client = new SecretsManagerClient({ region: 'us-east-1', endpoint: standIn.url, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
});
afterAll(async () => {
  client.destroy();
  await standIn.stop();
});

const puts = () => standIn.requests.filter((request) => request.operation === 'PutSecretValue');

describe('ml-connector secrets set', () => {
  it('stores the Marketo credentials in the secret the stack created, and returns its id', async () => {
    const id = await setSecret({ config, system: 'marketo', value: '{"clientId":"abc","clientSecret":"s3cr3t-value"}', client });
    expect(id).toBe('ml-connector/acme/marketo');
    expect(JSON.parse(puts().at(-1)!.body!)).toMatchObject({ SecretId: 'ml-connector/acme/marketo', SecretString: '{"clientId":"abc","clientSecret":"s3cr3t-value"}' });
  });

  it('expects username and password for PeopleSoft basic auth, clientId and clientSecret for OAuth 2.0', async () => {
    // Each PeopleSoft system has its own secret: `--system peoplesoft.<name>`.
    await expect(setSecret({ config, system: 'peoplesoft.hcm', value: '{"username":"ML_INTEGRATION","password":"pw-1"}', client })).resolves.toBe(
      'ml-connector/acme/peoplesoft-hcm',
    );
    await expect(setSecret({ config, system: 'peoplesoft.financials', value: '{"username":"ML_FIN","password":"pw-2"}', client })).resolves.toBe(
      'ml-connector/acme/peoplesoft-financials',
    );
    const oauth = await exampleConfigWith((input) => {
      input.peoplesoft.systems!.financials!.auth = { kind: 'oauth2', secret: 'peoplesoft-financials', tokenUrl: 'https://idp.acme.example/token' };
    });
    await expect(setSecret({ config: oauth, system: 'peoplesoft.financials', value: '{"username":"u","password":"p"}', client })).rejects.toThrow(
      /missing or empty field\(s\): clientId, clientSecret/,
    );
    await expect(setSecret({ config, system: 'peoplesoft', value: '{"username":"u","password":"p"}', client })).rejects.toThrow(
      /known: peoplesoft\.hcm, peoplesoft\.financials, marketo/,
    );
  });

  it.each([
    ['not JSON', 'hunter2-not-json', /not JSON/],
    ['not an object', '["hunter2"]', /must be a JSON object/],
    ['a missing field', '{"clientId":"abc"}', /missing or empty field\(s\): clientSecret/],
    ['a misspelt field', '{"clientId":"abc","clientSecret":"hunter2","client_secret":"x"}', /unknown field\(s\): client_secret/],
  ])('refuses %s without echoing the value, and stores nothing', async (_case, value, message) => {
    const before = puts().length;
    const attempt = setSecret({ config, system: 'marketo', value, client });
    await expect(attempt).rejects.toBeInstanceOf(SecretValueError);
    await expect(attempt).rejects.toThrow(message);
    await attempt.catch((error: Error) => expect(error.message).not.toContain('hunter2'));
    expect(puts()).toHaveLength(before);
  });

  it('says to deploy first when the secret does not exist yet', async () => {
    const other = await exampleConfigWith((input) => {
      input.customer = 'globex';
    });
    await expect(setSecret({ config: other, system: 'marketo', value: '{"clientId":"a","clientSecret":"b"}', client })).rejects.toThrow(
      'cannot store ml-connector/globex/marketo: ResourceNotFoundException: deploy the stack first',
    );
  });
});
