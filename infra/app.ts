/**
 * CDK entry (`cdk.json`: `npx tsx infra/app.ts`). The customer config comes from the context:
 *   npx cdk synth -c config=customers/acme.yaml
 * A bad config stops synth with a message naming the field.
 */
import { App } from 'aws-cdk-lib';
import { loadConfig } from '../shared/config';
import { ConfigError } from '../shared/errors';
import { defineApp } from './defineApp';
import { nagSummary } from './nagSummary';

// No auto-synth at exit: after a config error it would synthesize the half-built stack and warn about it.
const app = new App({ analyticsReporting: false, autoSynth: false });
const configPath: unknown = app.node.tryGetContext('config');

try {
  if (typeof configPath !== 'string' || configPath.trim() === '') {
    throw new ConfigError('(context)', [{ field: 'config', message: 'pass the customer config: npx cdk synth -c config=customers/<name>.yaml' }]);
  }
  const config = await loadConfig(configPath);
  defineApp(app, config, { configSource: configPath });
  app.synth();
  process.stderr.write(`${nagSummary(app)}\n`);
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  process.stderr.write(`${error.message}\n`);
  process.exitCode = 1;
}
