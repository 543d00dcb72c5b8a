import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';

/**
 * Reads a secret value from standard input: piped input is read to its end; at a terminal the
 * user is prompted and nothing typed is echoed. Never from argv, where it would land in shell
 * history and process listings.
 */
export async function readSecretValue(
  prompt: string,
  input: NodeJS.ReadableStream & { isTTY?: boolean } = process.stdin,
  output: NodeJS.WritableStream = process.stderr,
): Promise<string> {
  if (!input.isTTY) {
    let text = '';
    for await (const chunk of input) text += chunk.toString();
    return text.trim();
  }
  output.write(prompt);
  const muted = new Writable({ write: (_chunk, _encoding, done) => done() });
  const rl = createInterface({ input, output: muted, terminal: true });
  try {
    const line = await new Promise<string>((resolve) => rl.once('line', resolve));
    output.write('\n');
    return line.trim();
  } finally {
    rl.close();
  }
}
