/**
 * Writes lines to a stream that the reader may close early (`ml-connector status | head -3`):
 * once the pipe is broken (EPIPE) further lines are dropped quietly and the command finishes its
 * work (a sync still saves its state); any other stream error is still thrown.
 */
export function lineWriter(stream: NodeJS.WritableStream): (text: string) => void {
  let broken = false;
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') broken = true;
    else throw error;
  });
  return (text) => {
    if (!broken) stream.write(`${text}\n`);
  };
}
