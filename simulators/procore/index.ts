export { startProcoreSimulator, PROCORE_MAX_SYNC_ITEMS } from './startProcoreSimulator';
export type {
  ProcoreCallLogEntry,
  ProcoreDelivery,
  ProcoreEvent,
  ProcoreFault,
  ProcoreHook,
  ProcoreRecord,
  ProcoreSimulator,
} from './ProcoreSimulator';
export { PROCORE_SIMULATOR_DEFAULTS } from './ProcoreSimulatorOptions';
export type { ProcoreSimulatorOptions, ProcoreWindow } from './ProcoreSimulatorOptions';
export { procoreFields } from './procoreFields';
