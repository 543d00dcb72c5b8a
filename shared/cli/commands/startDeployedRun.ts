import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { resourceNames, type CustomerConfig, type FlowConfig } from '../../config';
import { ErrorKind, ExternalSystemError } from '../../errors';

export interface StartedRun {
  readonly flow: string;
  readonly functionName: string;
  /** Lambda's request id of the invocation, to find its log lines. */
  readonly requestId?: string;
}

/**
 * Starts one run of a flow in the deployed stack: invokes its poller asynchronously with `{}`
 * (from the cursor) or `{ since }` (re-read from a date), exactly as its schedule does. Returns
 * once Lambda accepted the invocation; the run itself goes on in the stack.
 */
export async function startDeployedRun(
  config: CustomerConfig,
  flow: FlowConfig,
  since?: Date,
  lambda: Pick<LambdaClient, 'send'> = new LambdaClient({ region: config.region }),
): Promise<StartedRun> {
  const functionName = resourceNames(config).flow(flow).pollerFunction;
  try {
    const result = await lambda.send(
      new InvokeCommand({
        FunctionName: functionName,
        InvocationType: 'Event',
        Payload: JSON.stringify(since ? { since: since.toISOString() } : {}),
      }),
    );
    return { flow: flow.name, functionName, ...(result.$metadata.requestId ? { requestId: result.$metadata.requestId } : {}) };
  } catch (error) {
    throw new ExternalSystemError(`${(error as Error).name}: ${(error as Error).message}`, {
      system: 'lambda',
      operation: `Invoke ${functionName}`,
      kind: ErrorKind.Misconfigured,
      hint: 'is the stack deployed in this region, and may these AWS credentials invoke its functions?',
      cause: error,
    });
  }
}
