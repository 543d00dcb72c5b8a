export { ItemOutcome, TargetAction } from './TargetConnector';
export type {
  BudgetHeaders,
  CallWindow,
  ConnectorStats,
  FetchedRecord,
  ItemResult,
  PingCheck,
  StoredTargetRecord,
  SubscriptionRequest,
  SubscriptionState,
  TargetConnector,
  TargetDeclaration,
  TargetItem,
  TargetLimits,
  TargetObjectDeclaration,
  TargetRef,
} from './TargetConnector';
export { declarationsOf, targetCatalog, targetDeclarations } from './catalog';
export { keyFieldsOf, targetKeyOf } from './targetKey';
export type { TargetKey } from './targetKey';
export type { RunningSimulator, SampleDelivery, SimulatorStartOptions, TargetCatalog, TargetDefinition, TargetFactoryInput } from './TargetDefinition';
export { CallTally } from './CallTally';
export { recordTargetCall, withCallMeter } from './callMeter';
export type { CallMeter } from './callMeter';
