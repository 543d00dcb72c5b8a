import { pushSourceOf } from '../config/flowSources';
import type { CustomerConfig, FlowConfig } from '../config/schema';

/** The flows a pushed source feeds (`push: <source>`), enabled or not. */
export function flowsFedBy(config: CustomerConfig, source: string): FlowConfig[] {
  return config.flows.filter((flow) => pushSourceOf(flow) === source);
}
