export { startPeopleSoftCiSimulator } from './startPeopleSoftCiSimulator';
export { ciDefinitions } from './ciDefinitions';
export type { CiCollection, CiDefinition, CiField } from './CiDefinition';
export type { CiCallLogEntry, CiFault, CiRecord, PeopleSoftCiSimulator } from './PeopleSoftCiSimulator';
export type { PeopleSoftCiSimulatorOptions } from './PeopleSoftCiSimulatorOptions';
