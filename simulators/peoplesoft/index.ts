export { SIMULATED_KEY_FIELDS, startPeopleSoftSimulator } from './startPeopleSoftSimulator';
export type {
  PeopleSoftSimulator,
  PeopleSoftSimulatorOptions,
  SimulatedEntity,
  SimulatedRequest,
  SimulatedUser,
} from './startPeopleSoftSimulator';
export { FaultScript } from './FaultScript';
export type { FaultMatch, PeopleSoftFault } from './FaultScript';
export { DEPARTMENTS } from './generateEmployee';
export type { Employee } from './generateEmployee';
export type { Company } from './generateCompany';
export type { TimestampFormat } from './formatTimestamp';
export type { QueryFormat } from './readQueryInstant';
