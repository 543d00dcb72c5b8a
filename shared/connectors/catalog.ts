import type { TargetDeclaration } from './TargetConnector';
import { marketoDeclaration } from './marketo/declaration';

/** Every target ml-connector knows, by the key used under `targets:` in a customer config. */
export const targetDeclarations: Readonly<Record<string, TargetDeclaration>> = {
  marketo: marketoDeclaration,
};
