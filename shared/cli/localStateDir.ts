import { dirname, isAbsolute, resolve } from 'node:path';
import type { CustomerConfig } from '../config';

/**
 * The folder holding a customer's local state: `local.stateDir` as given when absolute, else
 * relative to the folder of the config file, so every command on the same config meets the same
 * state wherever the shell stands (the customer's own folder is made inside it).
 */
export function localStateDir(configPath: string, config: CustomerConfig): string {
  const dir = config.local.stateDir;
  return isAbsolute(dir) ? dir : resolve(dirname(resolve(configPath)), dir);
}
