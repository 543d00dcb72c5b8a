import { z } from 'zod';

const code = z.union([z.string(), z.number()]).transform((value) => String(value));

const reason = z.object({ code: code.optional(), message: z.string().optional().default('') });

/** A `{ code, message }` pair as Marketo reports it at response or record level. */
export type MarketoReason = z.infer<typeof reason>;

/** One entry of `result[]` on a sync or delete call. */
export const marketoRecordResultSchema = z.object({
  id: z.union([z.number(), z.string()]).optional(),
  seq: z.number().int().optional(),
  status: z.string().optional(),
  reasons: z.array(reason).optional(),
});
export type MarketoRecordResult = z.infer<typeof marketoRecordResultSchema>;

const envelope = z.object({
  requestId: z.string().optional(),
  success: z.boolean(),
  result: z.array(z.unknown()).optional().default([]),
  errors: z.array(reason).optional().default([]),
  warnings: z.array(z.unknown()).optional().default([]),
  moreResult: z.boolean().optional(),
  nextPageToken: z.string().optional(),
});

/**
 * The JSON envelope of every Marketo REST response (HTTP 200 even for most errors).
 * See https://experienceleague.adobe.com/en/docs/marketo-developer/marketo/rest/error-codes
 */
export type MarketoEnvelope = z.infer<typeof envelope>;

/** Parses a response body as a Marketo envelope; undefined when it is not one. */
export function parseMarketoEnvelope(text: string): MarketoEnvelope | undefined {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return undefined;
  }
  const parsed = envelope.safeParse(json);
  return parsed.success ? parsed.data : undefined;
}
