import type { PingCheck } from '../connectors/TargetConnector';
import { ConfigError } from '../errors';
import type { PeopleSoftSource, ReadRange } from './PeopleSoftSource';
import type { SourceEvent } from './SourceEvent';

/**
 * Every PeopleSoft installation a config names (HCM, Financials, ...), read as one source: each
 * entity is read from the system that serves it, with that system's node, credentials, network
 * and time zone.
 */
export class PeopleSoftSources {
  /** The source system named in envelopes and audit rows. */
  public readonly system = 'peoplesoft';
  private readonly bySystem: ReadonlyMap<string, PeopleSoftSource>;

  /** One source per system, keyed by its name in `peoplesoft.systems`. */
  public constructor(sources: readonly PeopleSoftSource[]) {
    this.bySystem = new Map(sources.map((source) => [source.systemName, source]));
  }

  /** The names of the systems, in config order. */
  public get systems(): string[] {
    return [...this.bySystem.keys()];
  }

  /** The source of the system that serves `entity`. */
  public forEntity(entity: string): PeopleSoftSource {
    for (const source of this.bySystem.values()) if (source.entities.includes(entity)) return source;
    const known = [...this.bySystem.values()].flatMap((source) => source.entities).join(', ') || '(none)';
    throw new ConfigError('peoplesoft', [{ field: `peoplesoft.entities.${entity}`, message: `is not declared (declared: ${known})` }]);
  }

  /** The source of one system by name. */
  public forSystem(name: string): PeopleSoftSource | undefined {
    return this.bySystem.get(name);
  }

  /** The clock of the system that serves `entity`. */
  public sourceNow(entity: string): Promise<Date> {
    return this.forEntity(entity).sourceNow(entity);
  }

  /** Reads `entity` from the system that serves it (see `PeopleSoftSource.read`). */
  public read(entity: string, range: ReadRange): AsyncGenerator<SourceEvent> {
    return this.forEntity(entity).read(entity, range);
  }

  /**
   * Pings every system; with several, each check's name starts with the system's name
   * (`financials: credentials`). Never throws.
   */
  public async ping(): Promise<PingCheck[]> {
    const several = this.bySystem.size > 1;
    const results = await Promise.all(
      [...this.bySystem.entries()].map(async ([name, source]) =>
        (await source.ping()).map((check) => (several ? { ...check, name: `${name}: ${check.name}` } : check)),
      ),
    );
    return results.flat();
  }
}
