import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import type { KMSClient } from '@aws-sdk/client-kms';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DynamoTokenStore, KmsTokenSealer, SharedTokenCache, plainTokenSealer, type TokenSealer } from '../../shared/auth';
import { TargetAction } from '../../shared/connectors';
import { ZohoConnector, zohoSettingsSchema } from '../../shared/connectors/zoho';
import { inProcessLimiters } from '../../shared/limits';
import { LocalAws } from '../../shared/local';
import { ZOHO_SIMULATOR_CREDENTIALS, startZohoSimulator, type ZohoSimulator } from '../../simulators/zoho';
import { demoConfig } from '../support/factories';
import { kmsStandIn } from '../support/kmsStandIn';

const KEY_ARN = 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';

let aws: LocalAws;
let tableName: string;
let simulator: ZohoSimulator | undefined;

beforeAll(async () => {
  const config = demoConfig();
  aws = await LocalAws.start({});
  await aws.provision(config);
  tableName = aws.tableName(config);
});
afterAll(async () => {
  await aws.stop();
});
afterEach(async () => {
  await simulator?.stop();
  simulator = undefined;
});

let accounts = 0;
/** A token store of an account no other test uses. */
function freshStore(): { store: DynamoTokenStore; account: string } {
  accounts += 1;
  const account = `https://accounts.example#client-${accounts}`;
  return { store: new DynamoTokenStore({ client: aws.dynamo, tableName, system: 'vendor', account }), account };
}

async function rawItem(system: string, account: string): Promise<string> {
  const { Item } = await aws.dynamo.send(new GetItemCommand({ TableName: tableName, Key: { pk: { S: `TOKEN#${system}` }, sk: { S: account } }, ConsistentRead: true }));
  expect(Item).toBeDefined();
  return JSON.stringify(Item);
}

function sealerOn(kms: ReturnType<typeof kmsStandIn>): TokenSealer {
  return new KmsTokenSealer({ client: kms as unknown as Pick<KMSClient, 'send'>, keyId: KEY_ARN });
}

describe('shared OAuth tokens sealed with the stack key', () => {
  it('keeps the Zoho access token out of the table in clear text, and another container opens it without a new token', async () => {
    simulator = await startZohoSimulator();
    const kms = kmsStandIn(KEY_ARN);
    const used = new Set<string>();
    // What the API received: the access token itself, to look for in the table.
    const spy: typeof fetch = (input, init) => {
      const authorization = new Headers(init?.headers).get('authorization');
      if (authorization) used.add(authorization.replace(/^Zoho-oauthtoken /, ''));
      return fetch(input, init);
    };
    const container = (): ZohoConnector =>
      new ZohoConnector({
        settings: zohoSettingsSchema.parse({ simulator: true, secret: 'zoho', baseUrl: simulator!.url }),
        credentials: ZOHO_SIMULATOR_CREDENTIALS,
        hostPolicy: { allowLoopback: true, allowPrivate: false },
        limiters: inProcessLimiters(),
        tokenStores: ({ system, account }) => new DynamoTokenStore({ client: aws.dynamo, tableName, system, account }),
        tokenSealer: sealerOn(kms),
        fetch: spy,
      });

    await container().write('Contacts', TargetAction.Upsert, [{ ref: 'r1', key: 'a@example.com', payload: { Last_Name: 'A', Email: 'a@example.com' } }]);
    await container().write('Contacts', TargetAction.Upsert, [{ ref: 'r2', key: 'b@example.com', payload: { Last_Name: 'B', Email: 'b@example.com' } }]);

    expect(used.size).toBe(1);
    const [token] = [...used];
    const account = `${simulator.url}#${ZOHO_SIMULATOR_CREDENTIALS.clientId}`;
    const item = await rawItem('zoho', account);
    expect(item).not.toContain(token);
    expect(item).not.toContain(Buffer.from(token!, 'utf8').toString('base64'));
    expect(item).toContain('"S":"kms:');
    expect(simulator.tokensIssued).toBe(1);
    // Sealed once with the key, bound to the system and account; the second container decrypted it.
    expect(kms.calls).toEqual([
      { operation: 'Encrypt', keyId: KEY_ARN, context: { system: 'zoho', account } },
      { operation: 'Decrypt', keyId: KEY_ARN, context: { system: 'zoho', account } },
    ]);
  });

  it('does not open a token sealed for another account: that caller gets its own token', async () => {
    const kms = kmsStandIn(KEY_ARN);
    const { store } = freshStore();
    let issued = 0;
    const cache = (account: string): SharedTokenCache =>
      new SharedTokenCache({
        system: 'vendor',
        store,
        sealer: sealerOn(kms),
        sealContext: { system: 'vendor', account },
        issue: async () => ({ accessToken: `token-${(issued += 1)}-for-${account}`, lifetimeMs: 3_600_000 }),
      });

    expect((await cache('first').token()).value).toBe('token-1-for-first');
    expect((await cache('second').token()).value).toBe('token-2-for-second');
    expect(issued).toBe(2);
  });

  it('replaces a token stored in the clear before the key was used, instead of trusting it', async () => {
    const kms = kmsStandIn(KEY_ARN);
    const { store, account } = freshStore();
    let issued = 0;
    const cache = (sealer: TokenSealer): SharedTokenCache =>
      new SharedTokenCache({ system: 'vendor', store, sealer, sealContext: { system: 'vendor', account }, issue: async () => ({ accessToken: `token-${(issued += 1)}`, lifetimeMs: 3_600_000 }) });

    await cache(plainTokenSealer).token();
    const sealed = await cache(sealerOn(kms)).token();

    expect(sealed.value).toBe('token-2');
    const item = await rawItem('vendor', account);
    expect(item).not.toContain('token-2');
    expect(item).toContain('"S":"kms:');
  });

  it('fails as misconfigured, naming the key and not the token, when the role may not use the key', async () => {
    const kms = kmsStandIn(KEY_ARN);
    kms.deny = true;
    const { store, account } = freshStore();
    const cache = new SharedTokenCache({
      system: 'vendor',
      store,
      sealer: sealerOn(kms),
      sealContext: { system: 'vendor', account },
      issue: async () => ({ accessToken: 'the-access-token-value', lifetimeMs: 3_600_000 }),
    });

    const error = await cache.token().catch((caught: unknown) => caught);

    expect(error).toMatchObject({ kind: 'misconfigured', system: 'kms', message: expect.stringContaining(KEY_ARN) });
    expect(String((error as Error).message)).not.toContain('the-access-token-value');
    // The refresh lock was released, so the next caller can try again.
    expect((await store.read()).lock).toBeUndefined();
  });
});
