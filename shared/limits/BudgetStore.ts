import type { BudgetState } from './BudgetState';

/** What a change to the budget decided: the new state (if any) and what to hand back. */
export interface BudgetChange<T> {
  readonly state?: BudgetState;
  readonly result: T;
}

/** Where a shared call budget lives: process memory (local runs) or the stack's table (deployed). */
export interface BudgetStore {
  /**
   * Reads the budget, lets `change` decide, and stores the state it returns, atomically with
   * respect to every other caller sharing the budget. `change` may run more than once (a
   * concurrent writer won); it must be pure.
   */
  update<T>(change: (state: BudgetState) => BudgetChange<T>): Promise<T>;
}
