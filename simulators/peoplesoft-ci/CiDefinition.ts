/** A field of a CI buffer and how PeopleSoft edits it. */
export interface CiField {
  readonly name: string;
  readonly type: 'char' | 'number' | 'date';
  /** Required on save (a Create, or an UpdateData that blanks it). */
  readonly required?: boolean;
  /** Prompt table: the values the field accepts (PeopleSoft's "Invalid value -- press the prompt button"). */
  readonly prompt?: string;
  /** Set by PeopleSoft, never by the caller (a status). */
  readonly readOnly?: boolean;
}

/** A collection (scroll) of a CI: rows of fields. */
export interface CiCollection {
  readonly name: string;
  readonly fields: readonly CiField[];
}

/** A component interface exposed as CI-based services, as the simulator runs it. */
export interface CiDefinition {
  /** e.g. `ML_PO`: services `CI_ML_PO_C`, `_G`, `_F`, `_UD` at version `V1`. */
  readonly name: string;
  /** Get keys, in order; the first key that is `autoNumber` is assigned on Create when sent empty or `NEXT`. */
  readonly keys: readonly string[];
  readonly autoNumber?: string;
  /** Fields of the search record: what Find searches by (prefix match) and answers with. */
  readonly searchFields: readonly string[];
  readonly fields: readonly CiField[];
  readonly collections: readonly CiCollection[];
  /** Fields set on every Create, e.g. a status. */
  readonly createDefaults?: Readonly<Record<string, string>>;
}
