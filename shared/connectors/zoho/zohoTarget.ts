import type { TargetDefinition } from '../TargetDefinition';
import { ZohoConnector } from './ZohoConnector';
import { zohoDeclaration } from './zohoDeclaration';
import { zohoSettingsSchema, type ZohoSettings } from './zohoSettingsSchema';

/** Zoho CRM: employees into Contacts, vendors into Accounts, notifications into the audit log (F5-F7). */
export const zohoTarget: TargetDefinition<ZohoSettings> = {
  declaration: zohoDeclaration,
  settingsSchema: zohoSettingsSchema,
  secretFields: ['clientId', 'clientSecret', 'refreshToken'],
  secretHelp:
    'the client id and secret of a Zoho API console self-client and a refresh token it issued (scopes ZohoCRM.modules.ALL, ZohoCRM.settings.ALL, ZohoCRM.notifications.ALL; access_type=offline)',
  create: (input) => new ZohoConnector(input),
  pushHooks: ['subscribe', 'fetchByIds', 'listChanged'],
  simulator: {
    module: new URL('../../../simulators/zoho/index.ts', import.meta.url),
    start: 'startZohoSimulator',
    // The simulator's fixed self-client (test values, not secrets).
    credentials: { clientId: '1000.SIMULATORCLIENT', clientSecret: 'sim-zoho-secret', refreshToken: '1000.sim-refresh-token' },
  },
};
