export { toyTarget } from './toyTarget';
export { startToySimulator, TOY_API_KEY } from './startToySimulator';
export type { ToySimulator } from './startToySimulator';
