export { createConnector, createEffectiveDateStore, createQueue, createSource, createStore, findFlow } from './RuntimeContext';
export type { RuntimeContext } from './RuntimeContext';
export { deployedContext } from './deployedContext';
