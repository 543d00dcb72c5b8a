#!/usr/bin/env node
// Entry point of the ml-connector CLI: runs the TypeScript sources through tsx.
import { register } from 'tsx/esm/api';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
register();
const { main } = await import('./main.ts');
process.exitCode = await main(process.argv);
