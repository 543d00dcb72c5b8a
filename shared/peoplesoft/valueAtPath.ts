/**
 * The value at a dotted path in a parsed JSON body (`data`, `response.rows`, `items.0`); the
 * empty path is the body itself. Undefined when any step is missing.
 */
export function valueAtPath(body: unknown, path: string): unknown {
  if (path === '' || path === '.') return body;
  let current: unknown = body;
  for (const step of path.split('.')) {
    if (current === null || typeof current !== 'object') return undefined;
    if (!Object.hasOwn(current, step)) return undefined;
    current = (current as Record<string, unknown>)[step];
  }
  return current;
}
