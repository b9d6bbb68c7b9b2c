// What a coordinator sends to start a sprint, and what staff send to act on a task.
// zod lives here, in the API's half of domain/, never in the workflow bundle.
import { parse as parseIsoDuration, toSeconds } from 'iso8601-duration';
import { z } from 'zod';
import { SPRINT_TASK_KEYS, SPRINT_TEMPLATE, type SprintInput, type StaffRef } from './sprint';

const MIN_DUE_MS = 30_000;
const MAX_DUE_MS = 14 * 24 * 3600_000;
const MIN_LEAD_MS = 5_000;
const MAX_LEAD_MS = 2 * 24 * 3600_000;

/** An ISO-8601 duration in days, hours, minutes and seconds (no months or years: their length varies). */
export const ZIsoDuration = z
  .string()
  .regex(/^P(?!$)(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?$/, 'must be an ISO-8601 duration such as PT1M, PT24H or P3D')
  .transform((v) => Math.round(toSeconds(parseIsoDuration(v)) * 1000));

const durationWithin = (min: number, max: number, what: string) =>
  ZIsoDuration.refine((ms) => ms >= min && ms <= max, { message: `${what} must be between ${min / 1000} seconds and ${max / 86_400_000} days` });

/** The partnership's own reference for a person: never a clinical identifier. */
export const ZParticipantRef = z
  .string()
  .trim()
  .min(1, 'is required')
  .max(64, 'must be at most 64 characters')
  .regex(/^[A-Za-z0-9][A-Za-z0-9\-_/.]*$/, 'may contain letters, digits, - _ / . only');

const ZId = z.string().trim().min(1, 'is required').max(64, 'is too long');

export const ZOwners = z
  .object(Object.fromEntries(SPRINT_TASK_KEYS.map((k) => [k, ZId.describe(`staff id of the owner of ${k}`)])) as Record<string, typeof ZId>)
  .strict();

export const ZStartSprint = z
  .object({
    participant: z
      .object({
        localRef: ZParticipantRef,
        displayName: z.string().trim().min(1, 'is required').max(120, 'must be at most 120 characters'),
      })
      .strict(),
    dischargeAt: z.iso.datetime({ offset: true, message: 'must be a date and time such as 2026-11-23T14:00:00Z' }),
    /** Defaults to the caller. */
    coordinatorId: ZId.optional(),
    owners: ZOwners,
    timing: z
      .object({
        dueOffsets: z
          .object({
            '0': durationWithin(MIN_DUE_MS, MAX_DUE_MS, 'day 0 due offset').optional(),
            '1': durationWithin(MIN_DUE_MS, MAX_DUE_MS, 'day 1 due offset').optional(),
            '2-3': durationWithin(MIN_DUE_MS, MAX_DUE_MS, 'day 2-3 due offset').optional(),
          })
          .strict()
          .optional(),
        reminderLead: durationWithin(MIN_LEAD_MS, MAX_LEAD_MS, 'reminder lead').optional(),
      })
      .strict()
      .optional(),
  })
  .strict();

export type TStartSprint = z.infer<typeof ZStartSprint>;

export const ZCompleteTask = z.object({ note: z.string().trim().max(2000, 'must be at most 2000 characters').optional() }).strict();
export const ZRefuseTask = z
  .object({
    reason: z.string().trim().min(1, 'is required: why the participant refused').max(2000),
    managedHow: z.string().trim().min(1, 'is required: how the refusal was managed').max(2000),
  })
  .strict();
export const ZNotApplicable = z.object({ reason: z.string().trim().min(1, 'is required: why the task does not apply').max(2000) }).strict();
export const ZReassignTask = z.object({ ownerId: ZId, reason: z.string().trim().min(1, 'is required: why the task changes owner').max(2000) }).strict();
export const ZAddNote = z.object({ text: z.string().trim().min(1, 'is required').max(2000) }).strict();
export const ZCancelSprint = z.object({ reason: z.string().trim().min(1, 'is required: why the sprint is cancelled').max(2000) }).strict();

export interface PlanTiming {
  dueOffsetsMs: Record<'0' | '1' | '2-3', number>;
  reminderLeadMs?: number;
}

/** Checks the timing as a whole: later days may not fall due before earlier ones. */
export function resolveTiming(timing: TStartSprint['timing']): PlanTiming | { problem: { field: string; message: string } } {
  const base = Object.fromEntries(SPRINT_TEMPLATE.map((t) => [t.day, t.dueOffsetMs])) as Record<'0' | '1' | '2-3', number>;
  const due = { ...base, ...(timing?.dueOffsets ?? {}) } as Record<'0' | '1' | '2-3', number>;
  if (due['1'] < due['0']) return { problem: { field: 'timing.dueOffsets.1', message: 'day 1 may not fall due before day 0' } };
  if (due['2-3'] < due['1']) return { problem: { field: 'timing.dueOffsets.2-3', message: 'day 2-3 may not fall due before day 1' } };
  const lead = timing?.reminderLead;
  if (lead !== undefined && lead >= due['0']) {
    return { problem: { field: 'timing.reminderLead', message: 'must be shorter than the earliest due offset' } };
  }
  return { dueOffsetsMs: due, reminderLeadMs: lead };
}

/** Turns a validated request into the workflow's input: every time absolute, every owner named. */
export function planSprint(args: {
  sprintId: string;
  participant: SprintInput['participant'];
  coordinator: StaffRef;
  requestedBy: StaffRef;
  dischargeAt: Date;
  owners: Record<string, StaffRef>;
  timing: PlanTiming;
}): SprintInput {
  const discharge = args.dischargeAt.getTime();
  const tasks = SPRINT_TEMPLATE.map((t) => {
    const dueOffset = args.timing.dueOffsetsMs[t.day];
    // A reminder lead longer than the task's window would remind before the sprint starts.
    const lead = Math.min(args.timing.reminderLeadMs ?? t.reminderLeadMs, Math.floor(dueOffset / 2));
    const owner = args.owners[t.key];
    if (!owner) throw new Error(`no owner for ${t.key}`);
    return {
      key: t.key,
      title: t.title,
      day: t.day,
      owner,
      dueAt: new Date(discharge + dueOffset).toISOString(),
      remindAt: new Date(discharge + dueOffset - lead).toISOString(),
    };
  });
  const closesAt = new Date(discharge + Math.max(...Object.values(args.timing.dueOffsetsMs))).toISOString();
  return {
    sprintId: args.sprintId,
    participant: args.participant,
    coordinator: args.coordinator,
    requestedBy: args.requestedBy,
    dischargeAt: args.dischargeAt.toISOString(),
    closesAt,
    tasks,
  };
}
