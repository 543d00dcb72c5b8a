import { GetQueueAttributesCommand, StartMessageMoveTaskCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { FlowQueue } from '../aws';
import type { FlowConfig } from '../config';
import { ErrorKind, ExternalSystemError } from '../errors';
import type { StateStore } from '../state';

export interface RedriveDependencies {
  readonly flow: FlowConfig;
  /** Only `send` is used: StartMessageMoveTask and GetQueueAttributes. */
  readonly sqs: Pick<SQSClient, 'send'>;
  readonly queue: FlowQueue;
  readonly store: StateStore;
  readonly now?: () => Date;
}

export interface RedriveResult {
  /** Id of the run summary that records the redrive. */
  readonly runId: string;
  /** SQS's handle of the move task (for `aws sqs list-message-move-tasks` or a cancel). */
  readonly taskHandle: string;
  /** Letters the dead-letter queue held when the task started (SQS's approximate count). */
  readonly approximateCount: number;
}

/**
 * Moves every dead letter of a flow back to its queue with SQS's own redrive
 * (StartMessageMoveTask): done by SQS at its own pace, nothing passes through this process.
 * https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_StartMessageMoveTask.html
 *
 * SQS moves the messages unchanged, so unlike `replayDeadLetters` no envelope gets its attempt
 * raised and no per-record `replayed` row is written before the move; the run summary records
 * the redrive, and the writer's own audit rows (received, written) follow as it writes them.
 */
export async function redriveDeadLetters(deps: RedriveDependencies): Promise<RedriveResult> {
  const { flow, queue, store } = deps;
  const now = deps.now ?? (() => new Date());
  const [sourceArn, destinationArn] = await Promise.all([
    queueArn(deps.sqs, queue.deadLetterQueueUrl),
    queueArn(deps.sqs, queue.queueUrl),
  ]);
  const depth = await queue.depth('dead-letter');
  let taskHandle: string;
  try {
    const started = await deps.sqs.send(new StartMessageMoveTaskCommand({ SourceArn: sourceArn, DestinationArn: destinationArn }));
    taskHandle = started.TaskHandle ?? '';
  } catch (error) {
    throw new ExternalSystemError(`${(error as Error).name}: ${(error as Error).message}`, {
      system: 'sqs',
      operation: `StartMessageMoveTask ${sourceArn}`,
      kind: ErrorKind.Misconfigured,
      hint: 'a move task may already be running on this queue (aws sqs list-message-move-tasks), or the credentials lack sqs:StartMessageMoveTask',
      cause: error,
    });
  }
  const runId = store.newRunId('replay');
  await store.addRunCounters(
    flow.name,
    runId,
    { replayed: depth.visible },
    { status: 'redrive', startedAt: now().toISOString(), taskHandle },
  );
  return { runId, taskHandle, approximateCount: depth.visible };
}

async function queueArn(sqs: Pick<SQSClient, 'send'>, queueUrl: string): Promise<string> {
  try {
    const result = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }));
    const arn = result.Attributes?.QueueArn;
    if (!arn) throw new Error('no QueueArn in the answer');
    return arn;
  } catch (error) {
    throw new ExternalSystemError(`${(error as Error).name}: ${(error as Error).message}`, {
      system: 'sqs',
      operation: `GetQueueAttributes ${queueUrl}`,
      kind: ErrorKind.Retryable,
      cause: error,
    });
  }
}
