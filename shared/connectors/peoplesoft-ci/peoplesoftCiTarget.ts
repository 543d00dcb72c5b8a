import type { TargetDefinition } from '../TargetDefinition';
import { PeopleSoftCiConnector } from './PeopleSoftCiConnector';
import { peoplesoftCiDeclaration } from './peoplesoftCiDeclaration';
import { peoplesoftCiSettingsSchema, type PeopleSoftCiSettings } from './peoplesoftCiSettingsSchema';

/** PeopleSoft Financials written through component-interface SOAP services: purchase orders (F14), GL journals (F15). */
export const peoplesoftCiTarget: TargetDefinition<PeopleSoftCiSettings> = {
  declaration: peoplesoftCiDeclaration,
  settingsSchema: peoplesoftCiSettingsSchema,
  secretFields: ['userId', 'password'],
  secretHelp: 'the OPRID the component-interface services run as (a permission list granting the CIs and their service operations) and its password',
  create: ({ settings, credentials, hostPolicy, ...clients }) =>
    new PeopleSoftCiConnector({
      settings,
      credentials: { userId: credentials['userId']!, password: credentials['password']! },
      hostPolicy,
      ...(clients.limiters ? { limiters: clients.limiters } : {}),
      ...(clients.fetch ? { fetch: clients.fetch } : {}),
      ...(clients.now ? { now: clients.now } : {}),
      ...(clients.sleep ? { sleep: clients.sleep } : {}),
    }),
  simulator: {
    module: new URL('../../../simulators/peoplesoft-ci/index.ts', import.meta.url),
    start: 'startPeopleSoftCiSimulator',
    // One simulated Financials: POs saved through ML_PO appear in the REST simulator's purchase orders.
    sharesPeopleSoft: true,
    credentials: { userId: 'ML_SYNC', password: 'sim-peoplesoft-ci-password' },
  },
};
