import type { TargetDeclaration } from '../../../shared/connectors';

/** The toy CRM's objects and limits. */
export const toyDeclaration: TargetDeclaration = {
  name: 'toy',
  maxBatch: 50,
  limits: { windows: [{ calls: 50, windowMs: 10_000 }], inFlight: 4 },
  limitsUrl: 'https://toy.example/docs/limits',
  objects: {
    contacts: { name: 'contacts', keyField: 'email', actions: ['upsert', 'delete'] },
  },
};
