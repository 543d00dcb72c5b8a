import { emptyBudget, type BudgetState } from './BudgetState';
import type { BudgetChange, BudgetStore } from './BudgetStore';

/** A budget in this process's memory: one per target and account, shared by all its flows. */
export class InProcessBudgetStore implements BudgetStore {
  private state: BudgetState = emptyBudget;

  public update<T>(change: (state: BudgetState) => BudgetChange<T>): Promise<T> {
    // Synchronous read-decide-write: nothing else in this process can interleave.
    const decided = change(this.state);
    if (decided.state) this.state = decided.state;
    return Promise.resolve(decided.result);
  }
}
