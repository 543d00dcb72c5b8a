export { ItemOutcome, TargetAction } from './TargetConnector';
export type {
  ConnectorStats,
  ItemResult,
  PingCheck,
  StoredTargetRecord,
  TargetConnector,
  TargetDeclaration,
  TargetItem,
  TargetObjectDeclaration,
} from './TargetConnector';
export { targetDeclarations } from './catalog';
export { recordTargetCall, withCallMeter } from './callMeter';
export type { CallMeter } from './callMeter';
