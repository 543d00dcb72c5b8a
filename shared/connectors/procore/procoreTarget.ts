import type { TargetDefinition } from '../TargetDefinition';
import { ProcoreConnector } from './ProcoreConnector';
import { procoreDeclaration } from './procoreDeclaration';
import { procoreSettingsSchema, type ProcoreSettings } from './procoreSettingsSchema';

/** Procore: vendors and GL accounts as vendors and cost codes (F12), purchase orders as commitments (F13), webhooks back (F16). */
export const procoreTarget: TargetDefinition<ProcoreSettings> = {
  declaration: procoreDeclaration,
  settingsSchema: procoreSettingsSchema,
  secretFields: ['clientId', 'clientSecret'],
  secretHelp:
    'the client id and secret of the app\'s Developer Managed Service Account (Developer Portal → My Apps → the app → Manage App → production or sandbox credentials); the company admin installs the app and grants it the projects',
  create: (input) => new ProcoreConnector(input),
  pushHooks: ['subscribe', 'fetchByIds', 'listChanged'],
  simulator: {
    module: new URL('../../../simulators/procore/index.ts', import.meta.url),
    start: 'startProcoreSimulator',
    // The simulator's fixed DMSA (test values, not secrets).
    credentials: { clientId: 'sim-procore-client', clientSecret: 'sim-procore-secret' },
  },
};
