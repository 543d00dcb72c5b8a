import type { TargetDefinition } from '../TargetDefinition';
import { ZendeskConnector } from './ZendeskConnector';
import { zendeskDeclaration } from './zendeskDeclaration';
import { zendeskSettingsSchema, type ZendeskSettings } from './zendeskSettingsSchema';

/** Zendesk Support: employees as users (F8), vendors as organizations (F9); its webhooks feed the audit log (F11). */
export const zendeskTarget: TargetDefinition<ZendeskSettings> = {
  declaration: zendeskDeclaration,
  settingsSchema: zendeskSettingsSchema,
  secretFields: ['email', 'apiToken'],
  secretHelp: 'the e-mail of an agent or admin and an API token (Admin Center → Apps and integrations → Zendesk API)',
  create: ({ settings, credentials, hostPolicy, ...clients }) =>
    new ZendeskConnector({
      settings,
      credentials: { email: credentials['email']!, apiToken: credentials['apiToken']! },
      hostPolicy,
      ...clients,
    }),
  simulator: {
    module: new URL('../../../simulators/zendesk/index.ts', import.meta.url),
    start: 'startZendeskSimulator',
    credentials: { email: 'sync@demo.example', apiToken: 'sim-zendesk-token' },
    // Signed sample webhook deliveries (F11) for a pushed source whose `system` is zendesk.
    webhooks: { sample: 'sampleZendeskDeliveries', secret: { signingSecret: 'sim-zendesk-webhook-signing-secret' } },
  },
};
