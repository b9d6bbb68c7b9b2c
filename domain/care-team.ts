// Which care-team memberships a process implies. Pure: the grant is written by record/care-team.ts.
import type { SprintInput } from './sprint';

/** The care-team grant a sprint implies: its coordinator's agency and every task owner's. */
export function sprintCareTeam(input: Pick<SprintInput, 'participant' | 'coordinator' | 'tasks'>, workflowId: string) {
  return {
    participantId: input.participant.id,
    agencyIds: [input.coordinator.agencyId, ...input.tasks.map((t) => t.owner.agencyId)],
    source: 'sprint' as const,
    sourceRef: workflowId,
    addedById: input.coordinator.id,
    addedBy: input.coordinator.email,
    reason: 'named in a post-discharge sprint',
    idempotencyKey: `${workflowId}:care-team`,
    // The person's record, not the sprint's timeline: the sprint is named as the item (sourceRef).
    process: 'care-team',
  };
}
