import type { TargetDefinition } from '../TargetDefinition';
import { marketoDeclaration } from './declaration';
import { MarketoConnector } from './MarketoConnector';
import { marketoSettingsSchema, type MarketoConfig } from './marketoSettingsSchema';

/** Adobe Marketo Engage: leads, companies and sales persons (flows F1, F2). */
export const marketoTarget: TargetDefinition<MarketoConfig> = {
  declaration: marketoDeclaration,
  settingsSchema: marketoSettingsSchema,
  secretFields: ['clientId', 'clientSecret'],
  secretHelp: 'the client id and secret of the LaunchPoint custom service (Admin → LaunchPoint → View Details)',
  create: ({ settings, credentials, hostPolicy, ...clients }) =>
    new MarketoConnector({
      config: settings,
      credentials: { clientId: credentials['clientId']!, clientSecret: credentials['clientSecret']! },
      hostPolicy,
      ...clients,
    }),
  simulator: {
    module: new URL('../../../simulators/marketo/index.ts', import.meta.url),
    start: 'startMarketoSimulator',
    credentials: { clientId: 'sim-client', clientSecret: 'sim-secret' },
  },
};
