import { RemovalPolicy, Validations } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import { HttpApi, HttpMethod, HttpStage, LogGroupLogDestination } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { Function as LambdaFunction, type IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

/** One provider's webhook: `POST /webhooks/<provider>` handled by a function. */
export interface WebhookRoute {
  /** Path segment, e.g. `zendesk`, `procore`, `zoho`, `peoplesoft`. */
  readonly provider: string;
  readonly handler: IFunction;
  /**
   * Largest body the handler accepts (HTTP APIs have a fixed 10 MB limit, so the handler
   * enforces this one and answers 413). Passed to the handler as `WEBHOOK_MAX_BODY_BYTES`.
   * @default 262144 (256 KiB: one SQS message)
   */
  readonly maxBodyBytes?: number;
}

export interface WebhooksProps {
  /** Routes to expose; the config enables providers. Empty: the API exists with no routes. */
  readonly routes: readonly WebhookRoute[];
  /** Steady-state requests per second across all routes. @default 50 */
  readonly rateLimit?: number;
  /** Burst of requests above the rate. @default 100 */
  readonly burstLimit?: number;
  /** @default RetentionDays.THREE_MONTHS */
  readonly accessLogRetention?: RetentionDays;
}

export const WEBHOOK_PATH_PREFIX = '/webhooks';
const DEFAULT_MAX_BODY_BYTES = 256 * 1024;
const PROVIDER = /^[a-z][a-z0-9-]{1,30}$/;

/**
 * The HTTP API that receives webhooks: one `POST /webhooks/<provider>` route per enabled
 * provider, stage-wide throttling, JSON access logs. Authentication is the handler's job
 * (HMAC signatures, shared tokens), because every provider signs differently.
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
      if (!PROVIDER.test(route.provider)) throw new Error(`webhook provider "${route.provider}" must be lower-case letters, digits and dashes`);
      if (seen.has(route.provider)) throw new Error(`webhook provider "${route.provider}" is routed twice`);
      seen.add(route.provider);
      if (route.maxBodyBytes !== undefined && (route.maxBodyBytes < 1 || route.maxBodyBytes > 10 * 1024 * 1024)) {
        throw new Error(`webhook ${route.provider}: maxBodyBytes must be 1..10485760 (the HTTP API limit)`);
      }
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
        path: `${WEBHOOK_PATH_PREFIX}/${route.provider}`,
        methods: [HttpMethod.POST],
        integration: new HttpLambdaIntegration(`${route.provider}Integration`, route.handler),
      });
      Validations.of(created!).acknowledge({
        id: 'AwsSolutions-APIG4',
        reason: `${route.provider} cannot present AWS credentials or a JWT; the handler authenticates every call (HMAC signature or shared secret token) before anything is queued`,
      });
      if (route.handler instanceof LambdaFunction) {
        route.handler.addEnvironment('WEBHOOK_MAX_BODY_BYTES', String(route.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES));
      }
    }
    Validations.of(this.stage).acknowledge({
      id: 'Serverless-APIGWXrayEnabled',
      reason: 'HTTP APIs do not support X-Ray tracing (only REST APIs do)',
    });
  }
}
