import { readFileSync } from 'node:fs';

/** The version in ml-connector's package.json (what `--version` prints). */
export function packageVersion(): string {
  const manifest = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: string };
  return manifest.version ?? 'unknown';
}
