// The sprint's record in the database: a row when it starts, its outcome when it closes, and
// its emails. Each write commits with its audit events.
import { FIRST_CONTACT_TASKS, type SprintInput, type SprintStatus, type StaffRef, type TaskState } from '../domain/sprint';
import { sprintEmail, type EmailTask, type SprintEmailKind } from '../domain/emails/sprint';
import { REPLY_TOKEN_PURPOSE, TASK_TOKEN_PURPOSE } from '../domain/tokens';
import { sprintCareTeam } from '../domain/care-team';
import { isOnTime } from '../domain/on-time';
import { grantCareTeam } from '../record/care-team';
import { withCommit, type Commit } from './record';
import type { ActivityDeps } from './index';
import { deliverAll, type Delivery, type ProcessEmail } from './notifications';

export interface SprintEmail {
  process: 'sprint';
  kind: SprintEmailKind;
  idempotencyKey: string;
  to: StaffRef;
  participantRef: string;
  tasks: EmailTask[];
  tokensExpireAt: string;
}

/** A sprint email carries one link per task and a reply address. */
export function sprintDelivery(deps: ActivityDeps, workflowId: string, email: SprintEmail): Delivery {
  return {
    key: email.idempotencyKey,
    kind: email.kind,
    process: 'sprint',
    workflowId,
    to: email.to,
    links: email.tasks.map((t) => ({ name: t.key, purpose: TASK_TOKEN_PURPOSE, scope: { task: t.key } })),
    reply: { purpose: REPLY_TOKEN_PURPOSE, scope: { tasks: email.tasks.map((t) => t.key) } },
    expiresAt: new Date(email.tokensExpireAt),
    compose: (links) =>
      sprintEmail({
        kind: email.kind,
        recipientName: email.to.name,
        participantRef: email.participantRef,
        tasks: email.tasks.map((t) => ({ ...t, link: links.get(t.key) })),
        timeZone: deps.links.timeZone,
      }),
    auditItem: email.tasks.map((t) => t.key).join(','),
    auditData: { tasks: email.tasks.length },
  };
}

export function createSprintActivities(deps: ActivityDeps) {
  const now = () => deps.now?.() ?? new Date();
  return {
    /**
     * The sprint's row and the care team it implies, committed with its first audit event; then
     * each owner's email with their links, as one step.
     */
    async startSprint({ input, workflowId, emails, ...commit }: { input: SprintInput; workflowId: string; emails: ProcessEmail[] } & Commit): Promise<{ sent: number }> {
      await withCommit(deps.db, commit, now(), async (tx) => {
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
      return deliverAll(deps, workflowId, emails);
    },

    /** The outcome and timeliness figures, the links revoked and the close audited, together. */
    async recordSprintOutcome(input: { workflowId: string; status: SprintStatus; closedAt: string; dischargeAt: string; tasks: TaskState[] } & Commit): Promise<{ firstContactMinutes: number | null; tasksOnTime: number }> {
      const discharge = Date.parse(input.dischargeAt);
      const contacts = input.tasks.filter((t) => t.status === 'completed' && t.endedAt && FIRST_CONTACT_TASKS.includes(t.key)).map((t) => Date.parse(t.endedAt!));
      const firstContactMinutes = contacts.length ? Math.round((Math.min(...contacts) - discharge) / 60_000) : null;
      const tasksOnTime = input.tasks.filter(isOnTime).length;
      await withCommit(deps.db, input, now(), async (tx) => {
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
            onTime: isOnTime(t),
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
