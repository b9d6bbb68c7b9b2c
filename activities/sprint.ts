// The sprint's record in the database: a row when it starts, its outcome when it closes.
import { FIRST_CONTACT_TASKS, type SprintInput, type SprintStatus, type TaskState } from '../domain/sprint';
import type { ActivityDeps } from './index';
import { grantCareTeam } from './care-team';

export function createSprintActivities(deps: ActivityDeps) {
  return {
    async recordSprintStarted({ input, workflowId }: { input: SprintInput; workflowId: string }): Promise<void> {
      await deps.db.$transaction(async (tx) => {
        await tx.sprint.upsert({
          where: { id: workflowId },
          update: {},
          create: {
            id: workflowId,
            participantId: input.participant.id,
            coordinatorId: input.coordinator.id,
            dischargeAt: new Date(input.dischargeAt),
            closesAt: new Date(input.closesAt),
            tasksTotal: input.tasks.length,
          },
        });
        // The agencies a sprint names join the person's care team, recorded as implied by it.
        await grantCareTeam(tx, sprintCareTeam(input, workflowId));
      });
    },

    async recordSprintOutcome(input: { workflowId: string; status: SprintStatus; closedAt: string; dischargeAt: string; tasks: TaskState[] }): Promise<{ firstContactMinutes: number | null; tasksOnTime: number }> {
      const discharge = Date.parse(input.dischargeAt);
      const onTime = (t: TaskState) => t.status === 'completed' && !!t.endedAt && Date.parse(t.endedAt) <= Date.parse(t.dueAt);
      const contacts = input.tasks.filter((t) => t.status === 'completed' && t.endedAt && FIRST_CONTACT_TASKS.includes(t.key)).map((t) => Date.parse(t.endedAt!));
      const firstContactMinutes = contacts.length ? Math.round((Math.min(...contacts) - discharge) / 60_000) : null;
      const tasksOnTime = input.tasks.filter(onTime).length;
      await deps.db.$transaction(async (tx) => {
        for (const t of input.tasks) {
          const row = {
            title: t.title,
            ownerId: t.owner.id,
            dueAt: new Date(t.dueAt),
            status: t.status,
            statusReason: t.statusReason ?? null,
            reason: t.reason ?? null,
            managedHow: t.managedHow ?? null,
            endedAt: t.endedAt ? new Date(t.endedAt) : null,
            endedById: t.endedBy?.staffId ?? null,
            onTime: onTime(t),
            wasOverdue: t.overdue,
          };
          await tx.sprintTask.upsert({ where: { sprintId_key: { sprintId: input.workflowId, key: t.key } }, update: row, create: { sprintId: input.workflowId, key: t.key, ...row } });
        }
        await tx.sprint.update({
          where: { id: input.workflowId },
          data: {
            status: input.status,
            closedAt: new Date(input.closedAt),
            firstContactMinutes,
            tasksTotal: input.tasks.length,
            tasksOnTime,
            outcome: {
              completed: input.tasks.filter((t) => t.status === 'completed').length,
              refused: input.tasks.filter((t) => t.status === 'rejected').length,
              notApplicable: input.tasks.filter((t) => t.statusReason === 'not-applicable').length,
              notDone: input.tasks.filter((t) => t.status === 'failed').length,
              overdue: input.tasks.filter((t) => t.overdue).length,
            },
          },
        });
      });
      return { firstContactMinutes, tasksOnTime };
    },
  };
}

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
