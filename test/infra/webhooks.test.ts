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
        { source: 'tickets', handler: handler(stack, 'Tickets') },
        { source: 'hr-events', handler: handler(stack, 'HrEvents') },
      ]);
    });

    it('routes POST /webhooks/<source> to each handler, and nothing else', () => {
      const routes = resourcesOfType(built.template, 'AWS::ApiGatewayV2::Route').map(([, route]) => route.Properties!.RouteKey);
      expect(routes.sort()).toEqual(['POST /webhooks/hr-events', 'POST /webhooks/tickets']);
      built.template.resourceCountIs('AWS::ApiGatewayV2::Integration', 2);
      built.template.hasResourceProperties('AWS::Lambda::Permission', {
        Action: 'lambda:InvokeFunction',
        Principal: 'apigateway.amazonaws.com',
        SourceArn: Match.objectLike({ 'Fn::Join': Match.arrayWith([Match.arrayWith(['/*/*/webhooks/tickets'])]) }),
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

  it('exists with no routes when no source pushes', () => {
    const { template } = webhooks(() => []);
    template.resourceCountIs('AWS::ApiGatewayV2::Api', 1);
    template.resourceCountIs('AWS::ApiGatewayV2::Stage', 1);
    template.resourceCountIs('AWS::ApiGatewayV2::Route', 0);
  });

  it('refuses a source routed twice', () => {
    expect(() => webhooks((stack) => [
      { source: 'crm-events', handler: handler(stack, 'A') },
      { source: 'crm-events', handler: handler(stack, 'B') },
    ])).toThrow(/routed twice/);
  });
});
