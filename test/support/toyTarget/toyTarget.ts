import type { TargetDefinition } from '../../../shared/connectors';
import { ToyConnector } from './ToyConnector';
import { TOY_API_KEY } from './startToySimulator';
import { toyDeclaration } from './toyDeclaration';
import { toySettingsSchema, type ToySettings } from './toySettingsSchema';

/** A toy CRM target: everything the pipeline needs to know about it, in this folder. */
export const toyTarget: TargetDefinition<ToySettings> = {
  declaration: toyDeclaration,
  settingsSchema: toySettingsSchema,
  secretFields: ['apiKey'],
  secretHelp: 'the API key of the toy CRM workspace',
  create: (input) => new ToyConnector(input),
  simulator: {
    module: new URL('./startToySimulator.ts', import.meta.url),
    start: 'startToySimulator',
    credentials: { apiKey: TOY_API_KEY },
  },
};
