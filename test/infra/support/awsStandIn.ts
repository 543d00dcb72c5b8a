import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A request the stand-in received. */
export interface StandInRequest {
  readonly service: 'secretsmanager' | 'lambda';
  readonly operation: string;
  readonly target: string;
  /** The JSON body as sent (for PutSecretValue: the stored value). */
  readonly body?: string;
}

export interface AwsStandIn {
  /** `http://127.0.0.1:PORT`, for AWS_ENDPOINT_URL_SECRETS_MANAGER and AWS_ENDPOINT_URL_LAMBDA. */
  readonly url: string;
  readonly requests: readonly StandInRequest[];
  stop(): Promise<void>;
}

function body(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    request.on('data', (chunk: Buffer) => (text += chunk.toString()));
    request.on('end', () => resolve(text));
    request.on('error', reject);
  });
}

/**
 * The two AWS APIs the local emulators do not cover, as far as ml-connector uses them: Secrets
 * Manager GetSecretValue / PutSecretValue (JSON 1.1 protocol) on the secrets given, and Lambda
 * Invoke (the poller's self-invocation), recorded and accepted.
 */
export async function startAwsStandIn(
  secrets: Readonly<Record<string, Readonly<Record<string, string>>>>,
  /** Answers a synchronous (RequestResponse) Invoke; asynchronous ones are accepted with 202. */
  answer?: (functionName: string, payload: unknown) => unknown,
): Promise<AwsStandIn> {
  const requests: StandInRequest[] = [];
  const server: Server = createServer((request, response) => {
    void body(request).then((text) => {
      const target = String(request.headers['x-amz-target'] ?? '');
      if (target === 'secretsmanager.GetSecretValue') {
        const { SecretId } = JSON.parse(text) as { SecretId: string };
        requests.push({ service: 'secretsmanager', operation: 'GetSecretValue', target: SecretId });
        const value = secrets[SecretId];
        response.setHeader('content-type', 'application/x-amz-json-1.1');
        if (!value) {
          response.statusCode = 400;
          response.end(JSON.stringify({ __type: 'ResourceNotFoundException', message: "Secrets Manager can't find the specified secret." }));
          return;
        }
        response.end(
          JSON.stringify({
            ARN: `arn:aws:secretsmanager:us-east-1:000000000000:secret:${SecretId}-AbCdEf`,
            Name: SecretId,
            SecretString: JSON.stringify(value),
            VersionId: '00000000-0000-0000-0000-000000000001',
            VersionStages: ['AWSCURRENT'],
            CreatedDate: 1_700_000_000,
          }),
        );
        return;
      }
      if (target === 'secretsmanager.PutSecretValue') {
        const { SecretId } = JSON.parse(text) as { SecretId: string };
        requests.push({ service: 'secretsmanager', operation: 'PutSecretValue', target: SecretId, body: text });
        response.setHeader('content-type', 'application/x-amz-json-1.1');
        if (!secrets[SecretId]) {
          response.statusCode = 400;
          response.end(JSON.stringify({ __type: 'ResourceNotFoundException', message: "Secrets Manager can't find the specified secret." }));
          return;
        }
        response.end(JSON.stringify({ ARN: `arn:aws:secretsmanager:us-east-1:000000000000:secret:${SecretId}-AbCdEf`, Name: SecretId, VersionId: 'v2' }));
        return;
      }
      const invoke = /^\/2015-03-31\/functions\/([^/]+)\/invocations/.exec(request.url ?? '');
      if (request.method === 'POST' && invoke) {
        const functionName = decodeURIComponent(invoke[1]!);
        requests.push({ service: 'lambda', operation: 'Invoke', target: functionName, body: text });
        if (request.headers['x-amz-invocation-type'] === 'Event' || !answer) {
          response.statusCode = 202;
          response.end();
          return;
        }
        response.setHeader('content-type', 'application/json');
        response.end(JSON.stringify(answer(functionName, text ? JSON.parse(text) : undefined)));
        return;
      }
      response.statusCode = 400;
      response.setHeader('content-type', 'application/json');
      response.end(JSON.stringify({ __type: 'UnknownOperationException', message: `stand-in does not implement ${target || request.url}` }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
