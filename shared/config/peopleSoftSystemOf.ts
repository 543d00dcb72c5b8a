import { ConfigError } from '../errors';
import { SINGLE_SYSTEM, type CustomerConfig, type PeopleSoftConfig, type PeopleSoftSystemConfig } from './schema';

/**
 * Every PeopleSoft installation of the config, in config order, with its name and the config path
 * that sets it: `peoplesoft.systems.<name>`, or `peoplesoft` for the single-system shape.
 */
export function peopleSoftSystems(peoplesoft: Pick<PeopleSoftConfig, 'systems'>): PeopleSoftSystemConfig[] {
  const names = Object.keys(peoplesoft.systems);
  const single = names.length === 1 && names[0] === SINGLE_SYSTEM;
  return names.map((name) => ({ ...peoplesoft.systems[name]!, name, field: single ? 'peoplesoft' : `peoplesoft.systems.${name}` }));
}

/** The PeopleSoft installation that serves `entity` (its base URL, node, time zone, timing). */
export function peopleSoftSystemOf(config: Pick<CustomerConfig, 'peoplesoft'>, entity: string): PeopleSoftSystemConfig {
  const { entities } = config.peoplesoft;
  const declared = Object.hasOwn(entities, entity) ? entities[entity] : undefined;
  const system = declared ? peopleSoftSystems(config.peoplesoft).find((candidate) => candidate.name === declared.system) : undefined;
  if (!system) {
    const known = Object.keys(entities).join(', ') || '(none)';
    throw new ConfigError('peoplesoft', [{ field: `peoplesoft.entities.${entity}`, message: `is not declared (declared: ${known})` }]);
  }
  return system;
}
