// The process kit: what every careloop process needs, written once. A process file then reads
// like its procedure in the seeds: its steps, their owners and deadlines, what happens when one
// passes. See each module for the mechanics.
export { local, notifying } from './activities';
export { processContext, type ProcessActor, type ProcessContext, type EventSpec } from './context';
export { superviseSteps, type OwnedStep, type Supervision } from './owned-steps';
export { raiseEscalation, endEscalationCause, escalationCauseResolvedSignal } from './escalate';
export { answerLiveState, reject, requireText } from './messages';
