import { Duration } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { Architecture, Code, Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import type { Stack } from 'aws-cdk-lib';
import { beforeAll, describe, expect, it } from 'vitest';
import { FUNCTION_RUNTIME } from '../../infra/constructs/ConnectorFunction';
import { Webhooks, type WebhookRoute } from '../../infra/constructs/Webhooks';
import { bareStack, resourcesOfType } from './support/synthesize';

function handler(stack: Stack, id: string): LambdaFunction {
  return new LambdaFunction(stack, id, {
    runtime: FUNCTION_RUNTIME,
    architecture: Architecture.ARM_64,
    handler: 'index.handler',
    code: Code.fromInline('export const handler = async () => ({ statusCode: 202 });'),
    memorySize: 256,
    timeout: Duration.seconds(10),
  });
}

function webhooks(routes: (stack: Stack) => WebhookRoute[]): { stack: Stack; construct: Webhooks; template: Template } {
  const stack = bareStack();
  const construct = new Webhooks(stack, 'Webhooks', { routes: routes(stack), rateLimit: 20, burstLimit: 40 });
  return { stack, construct, template: Template.fromStack(stack) };
}

describe('Webhooks', () => {
  describe('with the routes it is given', () => {
    let built: ReturnType<typeof webhooks>;
    beforeAll(() => {
      built = webhooks((stack) => [
        { provider: 'zendesk', handler: handler(stack, 'Zendesk') },
        { provider: 'procore', handler: handler(stack, 'Procore'), maxBodyBytes: 64 * 1024 },
      ]);
    });

    it('routes POST /webhooks/<provider> to each handler, and nothing else', () => {
      const routes = resourcesOfType(built.template, 'AWS::ApiGatewayV2::Route').map(([, route]) => route.Properties!.RouteKey);
      expect(routes.sort()).toEqual(['POST /webhooks/procore', 'POST /webhooks/zendesk']);
      built.template.resourceCountIs('AWS::ApiGatewayV2::Integration', 2);
      built.template.hasResourceProperties('AWS::Lambda::Permission', {
        Action: 'lambda:InvokeFunction',
        Principal: 'apigateway.amazonaws.com',
        SourceArn: Match.objectLike({ 'Fn::Join': Match.arrayWith([Match.arrayWith(['/*/*/webhooks/zendesk'])]) }),
      });
    });

    it('throttles the stage and writes JSON access logs with the request id', () => {
      built.template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
        StageName: '$default',
        AutoDeploy: true,
        DefaultRouteSettings: { ThrottlingRateLimit: 20, ThrottlingBurstLimit: 40 },
        AccessLogSettings: {
          DestinationArn: { 'Fn::GetAtt': [Match.anyValue(), 'Arn'] },
          Format: Match.stringLikeRegexp('"requestId":"\\$context.requestId"'),
        },
      });
      const format = (resourcesOfType(built.template, 'AWS::ApiGatewayV2::Stage')[0]![1].Properties!.AccessLogSettings as { Format: string }).Format;
      expect(() => JSON.parse(format)).not.toThrow();
    });

    it('tells each handler the largest body it may accept (256 KiB unless the route says otherwise)', () => {
      const sizes = resourcesOfType(built.template, 'AWS::Lambda::Function')
        .map(([, fn]) => (fn.Properties!.Environment as { Variables: Record<string, string> }).Variables.WEBHOOK_MAX_BODY_BYTES)
        .sort();
      expect(sizes).toEqual([String(256 * 1024), String(64 * 1024)].sort());
    });

    it('exposes the base URL and raises no cdk-nag finding of its own', () => {
      const apiId = built.stack.getLogicalId(built.construct.api.node.defaultChild as never);
      expect(built.stack.resolve(built.construct.baseUrl)).toEqual({
        'Fn::Join': ['', [{ 'Fn::GetAtt': [apiId, 'ApiEndpoint'] }, '/webhooks']],
      });
      const webhookFindings = [new AwsSolutionsChecks(), new ServerlessChecks()]
        .flatMap((pack) => pack.validateScope(built.stack).violations)
        .filter((violation) => violation.violatingResources.some((resource) => resource.constructPath?.includes('/Webhooks/')));
      expect(webhookFindings.map((violation) => violation.ruleName)).toEqual([]);
    });
  });

  it('exists with no routes when no provider is enabled', () => {
    const { template } = webhooks(() => []);
    template.resourceCountIs('AWS::ApiGatewayV2::Api', 1);
    template.resourceCountIs('AWS::ApiGatewayV2::Stage', 1);
    template.resourceCountIs('AWS::ApiGatewayV2::Route', 0);
  });

  it('refuses a provider routed twice', () => {
    expect(() => webhooks((stack) => [
      { provider: 'zoho', handler: handler(stack, 'A') },
      { provider: 'zoho', handler: handler(stack, 'B') },
    ])).toThrow(/routed twice/);
  });
});
