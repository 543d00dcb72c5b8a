/** Where the journal's lines and their amounts are, and how to balance a single-sided entry. */
export interface JournalShape {
  readonly linesField: string;
  readonly amountField: string;
  readonly accountField: string;
  readonly offsetAccount?: string;
  readonly offsetFields?: Readonly<Record<string, string | number>>;
}

/** The entry to send (with an offset line when one was needed), or why it cannot be sent. */
export type BalancedJournal =
  | { readonly ok: true; readonly payload: Record<string, unknown>; readonly offset?: string }
  | { readonly ok: false; readonly message: string };

/** Amounts are counted in thousandths (PeopleSoft monetary amounts carry at most 3 decimals), exactly. */
const SCALE = 1000n;
const AMOUNT = /^(-)?(\d+)(?:\.(\d{1,3}))?$/;

function parseAmount(value: unknown): bigint | undefined {
  const text = typeof value === 'number' && Number.isFinite(value) ? String(value) : typeof value === 'string' ? value.trim().replace(/,/g, '') : undefined;
  const match = text === undefined ? null : AMOUNT.exec(text);
  if (!match) return undefined;
  const units = BigInt(match[2]!) * SCALE + BigInt((match[3] ?? '').padEnd(3, '0'));
  return match[1] ? -units : units;
}

function formatAmount(units: bigint): string {
  const negative = units < 0n;
  const magnitude = negative ? -units : units;
  const whole = (magnitude / SCALE).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  const fraction = (magnitude % SCALE).toString().padStart(3, '0');
  return `${negative ? '-' : ''}${whole}.${fraction.endsWith('0') ? fraction.slice(0, 2) : fraction}`;
}

/** The amount as PeopleSoft takes it: no grouping, at least two decimals. */
function wireAmount(units: bigint): string {
  return formatAmount(units).replace(/,/g, '');
}

/**
 * Checks that a journal entry balances: its lines' signed amounts (debits positive, credits
 * negative) sum to zero. An entry that does not is refused naming its debits, credits and the
 * difference, unless an offset account is configured: then one line on that account takes the
 * difference (a direct cost arrives single-sided: the expense line only). Exact decimal
 * arithmetic, never floating point.
 */
export function balanceJournal(payload: Readonly<Record<string, unknown>>, shape: JournalShape): BalancedJournal {
  const lines = payload[shape.linesField];
  if (!Array.isArray(lines) || lines.length === 0) return { ok: false, message: `the journal entry has no lines (${shape.linesField})` };
  let debits = 0n;
  let credits = 0n;
  for (const [index, line] of lines.entries()) {
    const amount = parseAmount((line as Record<string, unknown> | null)?.[shape.amountField]);
    if (amount === undefined) {
      const raw = (line as Record<string, unknown> | null)?.[shape.amountField];
      return { ok: false, message: `line ${index + 1}: ${shape.amountField} ${JSON.stringify(raw ?? null)} is not an amount with at most 3 decimals` };
    }
    if (amount >= 0n) debits += amount;
    else credits += amount;
  }
  const difference = debits + credits;
  if (difference === 0n) return { ok: true, payload: { ...payload } };
  const figures = `debits ${formatAmount(debits)}, credits ${formatAmount(credits)}, difference ${formatAmount(difference)}`;
  if (shape.offsetAccount === undefined) {
    return { ok: false, message: `the journal entry does not balance: ${figures} (name an offset account to balance single-sided entries)` };
  }
  const offsetLine = { ...shape.offsetFields, [shape.accountField]: shape.offsetAccount, [shape.amountField]: wireAmount(-difference) };
  return {
    ok: true,
    payload: { ...payload, [shape.linesField]: [...lines, offsetLine] },
    offset: `balanced on offset account ${shape.offsetAccount} with ${formatAmount(-difference)} (${figures})`,
  };
}
