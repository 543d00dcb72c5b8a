import { RemovalPolicy, Validations } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import { HttpApi, HttpMethod, HttpStage, LogGroupLogDestination } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

/**
 * One pushed source's route: `POST /webhooks/<source>` handled by a function. Several routes may
 * share one function (the front door): it tells them apart by the route key and enforces each
 * source's body limit itself (HTTP APIs have a fixed 10 MB limit).
 */
export interface WebhookRoute {
  /** Path segment: the name of the pushed source in the config. */
  readonly source: string;
  readonly handler: IFunction;
}

export interface WebhooksProps {
  /** Routes to expose, one per pushed source. Empty: the API exists with no routes. */
  readonly routes: readonly WebhookRoute[];
  /** Steady-state requests per second across all routes. @default 50 */
  readonly rateLimit?: number;
  /** Burst of requests above the rate. @default 100 */
  readonly burstLimit?: number;
  /** @default RetentionDays.THREE_MONTHS */
  readonly accessLogRetention?: RetentionDays;
}

export const WEBHOOK_PATH_PREFIX = '/webhooks';
const SOURCE = /^[a-z][a-z0-9-]{1,30}$/;

/**
 * The HTTP API that receives webhooks: one `POST /webhooks/<source>` route per pushed source,
 * stage-wide throttling, JSON access logs. Authentication is the handler's job (HMAC
 * signatures, shared tokens), because every sender signs differently.
 */
export class Webhooks extends Construct {
  public readonly api: HttpApi;
  public readonly stage: HttpStage;
  public readonly accessLogs: LogGroup;
  /** `https://<api>.execute-api.<region>.amazonaws.com/webhooks`. */
  public readonly baseUrl: string;

  public constructor(scope: Construct, id: string, props: WebhooksProps) {
    super(scope, id);
    const seen = new Set<string>();
    for (const route of props.routes) {
      if (!SOURCE.test(route.source)) throw new Error(`webhook source "${route.source}" must be lower-case letters, digits and dashes`);
      if (seen.has(route.source)) throw new Error(`webhook source "${route.source}" is routed twice`);
      seen.add(route.source);
    }

    this.api = new HttpApi(this, 'Api', {
      description: 'ml-connector webhooks',
      createDefaultStage: false,
    });
    this.accessLogs = new LogGroup(this, 'AccessLogs', {
      retention: props.accessLogRetention ?? RetentionDays.THREE_MONTHS,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.stage = new HttpStage(this, 'Stage', {
      httpApi: this.api,
      stageName: '$default',
      autoDeploy: true,
      throttle: { rateLimit: props.rateLimit ?? 50, burstLimit: props.burstLimit ?? 100 },
      accessLogSettings: {
        destination: new LogGroupLogDestination(this.accessLogs),
        format: AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            ip: '$context.identity.sourceIp',
            requestTime: '$context.requestTime',
            routeKey: '$context.routeKey',
            status: '$context.status',
            responseLength: '$context.responseLength',
            integrationError: '$context.integrationErrorMessage',
            latencyMs: '$context.responseLatency',
          }),
        ),
      },
    });
    this.baseUrl = `${this.api.apiEndpoint}${WEBHOOK_PATH_PREFIX}`;

    for (const route of props.routes) {
      const [created] = this.api.addRoutes({
        path: `${WEBHOOK_PATH_PREFIX}/${route.source}`,
        methods: [HttpMethod.POST],
        integration: new HttpLambdaIntegration(`${route.source}Integration`, route.handler),
      });
      Validations.of(created!).acknowledge({
        id: 'AwsSolutions-APIG4',
        reason: `${route.source} cannot present AWS credentials or a JWT; the handler authenticates every call (HMAC signature, shared secret header, channel token or Basic credentials) before anything is queued`,
      });
    }
    Validations.of(this.stage).acknowledge({
      id: 'Serverless-APIGWXrayEnabled',
      reason: 'HTTP APIs do not support X-Ray tracing (only REST APIs do)',
    });
  }
}
