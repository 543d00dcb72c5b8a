import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';
import { parseDocument } from 'yaml';
import { ConfigError } from '../errors';
import type { CustomerConfig } from './schema';
import { validateConfig } from './validateConfig';

/** Parses and validates YAML text. */
export function parseConfig(text: string, source = 'config'): CustomerConfig {
  const document = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  const [first] = document.errors;
  if (first) {
    // Only the first: the errors after a YAML syntax error are mostly its echoes.
    const at = first.linePos?.[0];
    const message = first.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
    throw new ConfigError(source, [{ field: at ? `line ${at.line}, column ${at.col}` : '(yaml)', message }]);
  }
  return validateConfig(document.toJS(), source);
}

/** Reads, parses and validates a customer config file. */
export async function loadConfig(path: string): Promise<CustomerConfig> {
  const full = isAbsolute(path) ? path : resolve(process.cwd(), path);
  let text: string;
  try {
    text = await readFile(full, 'utf8');
  } catch (error) {
    throw new ConfigError(path, [{ field: '(file)', message: `cannot read ${full}: ${(error as NodeJS.ErrnoException).code ?? error}` }], { cause: error });
  }
  const config = parseConfig(text, path);
  const secretsFile = config.local.secretsFile;
  // A relative secrets file belongs to the config, not to the shell the command runs in.
  if (secretsFile === undefined || isAbsolute(secretsFile)) return config;
  return { ...config, local: { ...config.local, secretsFile: resolve(dirname(full), secretsFile) } };
}
