import { Validations } from 'aws-cdk-lib';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import type { ConnectorFunction } from './ConnectorFunction';

/** One external system's credentials: the secret name from the config and what it must hold. */
export interface ExternalSystemSecret {
  /** `peoplesoft` or a target name */
  readonly system: string;
  /** The secret name in the config (the Secrets Manager name is `<prefix><name>`). */
  readonly name: string;
  /** JSON fields the value must have, e.g. `username`, `password`. */
  readonly fields: readonly string[];
}

export interface SecretsProps {
  /** Prefix of every secret name: `ml-connector/<customer>/`. */
  readonly prefix: string;
  readonly systems: readonly ExternalSystemSecret[];
  readonly key: IKey;
}

/**
 * One Secrets Manager secret per external system, encrypted with the customer-managed key. The
 * stack creates them with a placeholder; `ml-connector secrets set` stores the real value, so no
 * credential ever passes through CloudFormation.
 */
export class Secrets extends Construct {
  public readonly prefix: string;
  /** By config secret name. */
  public readonly secrets: ReadonlyMap<string, Secret>;

  public constructor(scope: Construct, id: string, props: SecretsProps) {
    super(scope, id);
    if (!props.prefix.endsWith('/')) throw new Error(`Secrets prefix must end with "/", got "${props.prefix}"`);
    this.prefix = props.prefix;
    const secrets = new Map<string, Secret>();
    for (const system of props.systems) {
      if (secrets.has(system.name)) continue; // two systems may share one secret name
      const secret = new Secret(this, `Secret-${system.name.replace(/[^A-Za-z0-9]/g, '-')}`, {
        secretName: `${props.prefix}${system.name}`,
        description: `ml-connector ${system.system} credentials: JSON with ${system.fields.join(', ')}. Set with "ml-connector secrets set --system ${system.system}".`,
        encryptionKey: props.key,
        // CloudFormation needs a value; this placeholder has none of the fields, so a function
        // that runs before `secrets set` fails with "secret ... has no "<field>" field".
        generateSecretString: {
          secretStringTemplate: JSON.stringify({ unset: `run: ml-connector secrets set --system ${system.system}` }),
          generateStringKey: 'placeholder',
          passwordLength: 16,
        },
      });
      Validations.of(secret).acknowledge({
        id: 'AwsSolutions-SMG4',
        reason: `The ${system.system} credential is issued by the external system (an OPRID password or an API client secret); ml-connector cannot rotate it there, so the customer rotates it and stores it with "ml-connector secrets set"`,
      });
      secrets.set(system.name, secret);
    }
    this.secrets = secrets;
  }

  /** The secret with this config name; throws when the config does not declare it. */
  public secret(name: string): Secret {
    const secret = this.secrets.get(name);
    if (!secret) throw new Error(`no secret "${name}" (secrets: ${[...this.secrets.keys()].join(', ')})`);
    return secret;
  }

  /** Lets a function read exactly these secrets and sets `SECRET_PREFIX`. */
  public bindTo(fn: ConnectorFunction, names: readonly string[]): void {
    fn.addEnvironment('SECRET_PREFIX', this.prefix);
    for (const name of names) {
      const secret = this.secret(name);
      fn.role.addToPrincipalPolicy(
        new PolicyStatement({ actions: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'], resources: [secret.secretArn] }),
      );
    }
  }
}
