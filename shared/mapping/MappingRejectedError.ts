import { ErrorKind, MlConnectorError } from '../errors';

/**
 * A record the field mapping cannot map as configured: a `lookup` has no entry (and no default)
 * for the value the record carries. Sending it again unchanged cannot help, so the record is
 * refused (permanent) with a message naming the target field, the source field and the value;
 * the fix is an entry in the config's lookup, then a replay.
 */
export class MappingRejectedError extends MlConnectorError {
  public readonly targetField: string;
  public readonly sourceField: string;
  public readonly value: string;

  public constructor(targetField: string, sourceField: string, value: string) {
    super(`${targetField}: ${sourceField} ${JSON.stringify(value)} has no entry in the lookup (and the rule has no default)`, ErrorKind.Permanent);
    this.name = 'MappingRejectedError';
    this.targetField = targetField;
    this.sourceField = sourceField;
    this.value = value;
  }
}
