// Hosts the embedded SQS (fauxqs) and DynamoDB (dynalite) stand-ins on a worker thread, so their
// request handling runs on a core of its own instead of the pipeline's event loop. Plain
// JavaScript: a worker does not inherit the TypeScript loader.
import { parentPort, workerData } from 'node:worker_threads';
import dynalite from 'dynalite';
import { startFauxqs } from 'fauxqs';

const { region, dynamoPath } = workerData;

function messagesOf(state) {
  if (!state) return [];
  const all = [...state.messages.ready, ...state.messages.delayed, ...state.messages.inflight.map((entry) => entry.message)];
  return all.map((message) => ({
    body: message.body,
    attributes: Object.fromEntries(
      Object.entries(message.messageAttributes ?? {}).map(([name, value]) => [name, String(value.StringValue ?? '')]),
    ),
  }));
}

try {
  const fauxqs = await startFauxqs({ port: 0, logger: false, defaultRegion: region });
  const server = dynalite({ ...(dynamoPath ? { path: dynamoPath } : {}), createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  parentPort.on('message', async (request) => {
    try {
      if (request.type === 'inspect') {
        parentPort.postMessage({ id: request.id, result: messagesOf(fauxqs.inspectQueue(request.queue)) });
      } else if (request.type === 'stop') {
        await fauxqs.stop();
        await new Promise((resolve) => server.close(resolve));
        parentPort.postMessage({ id: request.id, result: null });
      }
    } catch (error) {
      parentPort.postMessage({ id: request.id, error: String(error?.stack ?? error) });
    }
  });
  parentPort.postMessage({ type: 'ready', sqs: fauxqs.address, dynamodb: `http://127.0.0.1:${server.address().port}` });
} catch (error) {
  parentPort.postMessage({ type: 'failed', error: String(error?.stack ?? error) });
}
