import { Validations, type App } from 'aws-cdk-lib';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import type { CustomerConfig } from '../shared/config';
import { NAG_PACKS_METADATA_KEY } from './nagSummary';
import { MlConnectorStack, stackName, type MlConnectorStackProps } from './MlConnectorStack';

export interface DefineAppOptions {
  /** Where the config came from, for messages. */
  readonly configSource?: string;
  readonly webhookRoutes?: MlConnectorStackProps['webhookRoutes'];
  /** The targets the config may use (the built-in catalog by default). */
  readonly targets?: MlConnectorStackProps['targets'];
}

/**
 * Adds the customer's stack to an app and registers cdk-nag's AwsSolutions and Serverless packs:
 * synth fails on any finding that is not acknowledged (with its reason) where it arises.
 */
export function defineApp(app: App, config: CustomerConfig, options: DefineAppOptions = {}): MlConnectorStack {
  const stack = new MlConnectorStack(app, stackName(config), {
    config,
    ...(options.configSource ? { configSource: options.configSource } : {}),
    ...(options.webhookRoutes ? { webhookRoutes: options.webhookRoutes } : {}),
    ...(options.targets ? { targets: options.targets } : {}),
  });
  const packs = [new AwsSolutionsChecks(app), new ServerlessChecks(app)];
  Validations.of(app).addPlugins(...packs);
  // Recorded so that `nagSummary` reports the packs that really ran.
  app.node.addMetadata(NAG_PACKS_METADATA_KEY, packs.map((pack) => pack.name));
  return stack;
}
