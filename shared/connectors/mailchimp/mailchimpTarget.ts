import type { TargetDefinition } from '../TargetDefinition';
import { mailchimpDeclaration } from './declaration';
import { MailchimpConnector } from './MailchimpConnector';
import { mailchimpSettingsSchema, type MailchimpConfig } from './mailchimpSettingsSchema';

/** Mailchimp Marketing: audience members for employees (F3) and customers' contacts (F4). */
export const mailchimpTarget: TargetDefinition<MailchimpConfig> = {
  declaration: mailchimpDeclaration,
  settingsSchema: mailchimpSettingsSchema,
  secretFields: ['apiKey'],
  secretHelp: 'an API key ending with its data center, e.g. 0123456789abcdef0123456789abcdef-us6 (Profile → Extras → API keys)',
  create: ({ settings, credentials, hostPolicy, ...clients }) =>
    new MailchimpConnector({ config: settings, apiKey: credentials['apiKey']!, hostPolicy, ...clients }),
  simulator: {
    module: new URL('../../../simulators/mailchimp/index.ts', import.meta.url),
    start: 'startMailchimpSimulator',
    credentials: { apiKey: '0123456789abcdef0123456789abcdef-us6' },
  },
};
