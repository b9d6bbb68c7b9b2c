// The worker's workflowsPath: every workflow type careloop runs.
export * from './smoke';
export * from './sprint';
export * from './plan-change';
export * from './escalation';
export * from './dispute';
export * from './plan-steps';
export * from './huddle';
export * from './digest';
