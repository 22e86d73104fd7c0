/**
 * The workflow monitor of a stack that declares no Step Functions state machine (yet): the health
 * report says so rather than reporting zero failures of workflows that do not exist.
 */
import type { WorkflowMonitor } from './operations-ports';

export const noStateMachineDeclared: WorkflowMonitor = {
  failuresSince: () =>
    Promise.resolve({
      declared: false,
      failedInLastHour: null,
      reason: 'no Step Functions state machine is declared in this stack',
    }),
};
