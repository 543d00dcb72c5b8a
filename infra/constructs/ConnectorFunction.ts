import { RemovalPolicy, Validations, type Duration } from 'aws-cdk-lib';
import type { ISecurityGroup, IVpc, SubnetSelection } from 'aws-cdk-lib/aws-ec2';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { LogLevel, NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

/** The Lambda runtime of every function: the newest Node.js that aws-cdk-lib knows. */
export const FUNCTION_RUNTIME = Runtime.NODEJS_24_X;

/** Powertools service name: one for all functions, so metrics of a flow share one dimension set. */
export const POWERTOOLS_SERVICE_NAME = 'ml-connector';

/** Namespace of the pipeline's own metrics (Powertools EMF, see functions/commons/observability.ts). */
export const METRIC_NAMESPACE = 'MlConnector';

/** File name of the customer config inside every bundle (read relative to LAMBDA_TASK_ROOT). */
export const BUNDLED_CONFIG_FILE = 'ml-config.json';

/**
 * ESM bundles still contain CommonJS dependencies (the AWS SDK, Powertools) that call
 * `require` for Node built-ins; give them one.
 */
const ESM_REQUIRE_BANNER = "import { createRequire as __mlcRequire } from 'node:module'; const require = __mlcRequire(import.meta.url);";

/** Quotes a path for the POSIX shell that runs NodejsFunction's command hooks. */
function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

export interface ConnectorFunctionVpcPlacement {
  readonly vpc: IVpc;
  readonly subnets: SubnetSelection;
  readonly securityGroups: readonly ISecurityGroup[];
}

export interface ConnectorFunctionProps {
  /** Absolute path of the handler module (exports `handler`). */
  readonly entry: string;
  /** Fixed name (from `resourceNames`), so the CLI can invoke it. */
  readonly functionName: string;
  readonly description: string;
  readonly timeout: Duration;
  readonly memorySize: number;
  /** Absolute path of the validated config (JSON), copied into the bundle as `ml-config.json`. */
  readonly configFile: string;
  readonly environment?: Readonly<Record<string, string>>;
  /** Runs in these private subnets (the poller); omitted, the function has no VPC. */
  readonly vpc?: ConnectorFunctionVpcPlacement;
  /** Dead-letter queue of asynchronous invocations (only for asynchronously invoked functions). */
  readonly deadLetterQueue?: IQueue;
  /** @default RetentionDays.THREE_MONTHS */
  readonly logRetention?: RetentionDays;
  /** @default 'INFO' */
  readonly logLevel?: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
}

/**
 * A pipeline Lambda with the house defaults: bundled by the local esbuild (no Docker) as one ESM
 * file with its dependencies and the customer config, current Node runtime on ARM64, explicit
 * memory, timeout and log retention, Powertools settings, and a role of its own that starts with
 * nothing but its log group. Other constructs add exactly what it needs through their
 * `bindTo(fn)` helpers.
 */
export class ConnectorFunction extends Construct {
  public readonly function: NodejsFunction;
  public readonly role: Role;
  public readonly logGroup: LogGroup;

  public constructor(scope: Construct, id: string, props: ConnectorFunctionProps) {
    super(scope, id);
    this.logGroup = new LogGroup(this, 'Logs', {
      retention: props.logRetention ?? RetentionDays.THREE_MONTHS,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `ml-connector ${id}: least privilege, granted resource by resource`,
    });
    // Instead of AWSLambdaBasicExecutionRole (logs:* on every log group): this log group only.
    this.role.addToPrincipalPolicy(
      new PolicyStatement({ actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [this.logGroup.logGroupArn] }),
    );
    if (props.vpc) {
      // Lambda manages the function's network interfaces with these; EC2 does not support
      // resource-level permissions for the Describe call, and AWS's own managed policy
      // (AWSLambdaVPCAccessExecutionRole) grants them on "*".
      this.role.addToPrincipalPolicy(
        new PolicyStatement({
          actions: [
            'ec2:CreateNetworkInterface',
            'ec2:DescribeNetworkInterfaces',
            'ec2:DescribeSubnets',
            'ec2:DeleteNetworkInterface',
            'ec2:AssignPrivateIpAddresses',
            'ec2:UnassignPrivateIpAddresses',
          ],
          resources: ['*'],
        }),
      );
      Validations.of(this.role).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'VPC functions need ec2:CreateNetworkInterface/DescribeNetworkInterfaces/DescribeSubnets/DeleteNetworkInterface/Assign|UnassignPrivateIpAddresses, which EC2 only authorizes on "*" (same as AWSLambdaVPCAccessExecutionRole)',
      });
    }

    const configFile = props.configFile;
    this.function = new NodejsFunction(this, 'Function', {
      entry: props.entry,
      functionName: props.functionName,
      handler: 'handler',
      description: props.description,
      runtime: FUNCTION_RUNTIME,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize,
      timeout: props.timeout,
      role: this.role,
      logGroup: this.logGroup,
      tracing: Tracing.DISABLED,
      ...(props.deadLetterQueue ? { deadLetterQueue: props.deadLetterQueue } : {}),
      ...(props.vpc
        ? { vpc: props.vpc.vpc, vpcSubnets: props.vpc.subnets, securityGroups: [...props.vpc.securityGroups], allowPublicSubnet: false }
        : {}),
      environment: {
        ML_CONFIG_FILE: BUNDLED_CONFIG_FILE,
        POWERTOOLS_SERVICE_NAME,
        POWERTOOLS_LOG_LEVEL: props.logLevel ?? 'INFO',
        POWERTOOLS_METRICS_NAMESPACE: METRIC_NAMESPACE,
        ...props.environment,
      },
      bundling: {
        format: OutputFormat.ESM,
        minify: true,
        sourceMap: false,
        // The SDK is bundled, not taken from the runtime: the versions the lockfile pins are the
        // versions that run, and the bundle is self-contained (the smoke test proves it).
        bundleAwsSDK: true,
        externalModules: [],
        mainFields: ['module', 'main'],
        banner: ESM_REQUIRE_BANNER,
        metafile: true,
        logLevel: LogLevel.WARNING,
        commandHooks: {
          beforeBundling: () => [],
          beforeInstall: () => [],
          afterBundling: (_inputDir: string, outputDir: string) => [
            `cp ${shellQuote(configFile)} ${shellQuote(`${outputDir}/${BUNDLED_CONFIG_FILE}`)}`,
          ],
        },
      },
    });
    Validations.of(this.function).acknowledge({
      id: 'Serverless-LambdaTracing',
      reason:
        'The handlers do not instrument with the X-Ray SDK; Powertools metrics, structured logs and the dashboard cover a batch pipeline, and active tracing would add an xray:* "Resource: *" grant to every role',
    });
  }

  /** Adds an environment variable (bind helpers use it next to their grant). */
  public addEnvironment(name: string, value: string): void {
    this.function.addEnvironment(name, value);
  }
}
