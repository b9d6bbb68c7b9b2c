// What coordinators send to create a plan and publish a new version. zod lives here, in the
// API's half of domain/, never in the workflow bundle.
import { z } from 'zod';
import { CONSENT_HOW, PLAN_RISK_FLAGS, PLAN_TRIGGERS, RISK_LEVELS, SHAREABLE_ELEMENTS } from './plan';
import { ZIsoDuration, ZParticipantRef } from './sprint-input';

const text = (max: number) => z.string().trim().min(1, 'is required').max(max, `must be at most ${max} characters`);
const itemId = z.string().trim().regex(/^[A-Za-z0-9][A-Za-z0-9\-_.]{0,39}$/, 'must be a short key of letters, digits, - _ . (e.g. r1)');
const staffOrAgencyId = z.string().trim().min(1, 'is required').max(64);

function uniqueIds(items: { id: string }[], ctx: z.RefinementCtx) {
  const seen = new Set<string>();
  items.forEach((item, i) => {
    if (seen.has(item.id)) ctx.addIssue({ code: 'custom', message: `id "${item.id}" is used twice`, path: [i, 'id'] });
    seen.add(item.id);
  });
}

export const ZPlanContent = z
  .object({
    goals: z.array(z.object({ id: itemId, text: text(500) }).strict()).max(50).superRefine(uniqueIds).default([]),
    risks: z
      .array(
        z
          .object({
            id: itemId,
            description: text(500),
            level: z.enum(RISK_LEVELS, { message: `must be one of ${RISK_LEVELS.join(', ')}` }),
            flags: z.array(z.enum(PLAN_RISK_FLAGS, { message: `must be among ${PLAN_RISK_FLAGS.join(', ')}` })).max(PLAN_RISK_FLAGS.length).optional(),
          })
          .strict(),
      )
      .max(50)
      .superRefine(uniqueIds)
      .default([]),
    crisisTriggers: z.array(text(300)).max(50).default([]),
    serviceContacts: z
      .array(z.object({ agencyId: staffOrAgencyId, name: text(120), role: text(120).optional(), phone: z.string().trim().max(40).optional() }).strict())
      .max(50)
      .default([]),
    controls: z
      .array(
        z
          .object({
            id: itemId,
            description: text(500),
            ownerAgencyId: staffOrAgencyId,
            ownerStaffId: staffOrAgencyId.optional(),
            dueDate: z.iso.date({ message: 'must be a date such as 2026-12-01' }).optional(),
          })
          .strict(),
      )
      .max(50)
      .superRefine(uniqueIds)
      .default([]),
    shareBeyondCareTeam: z.array(z.enum(SHAREABLE_ELEMENTS, { message: `must be among ${SHAREABLE_ELEMENTS.join(', ')}` })).max(5).default([]),
  })
  .strict();

export const ZCreatePlan = z
  .object({
    participant: z
      .object({
        localRef: ZParticipantRef,
        displayName: text(120),
        consentToShare: z.boolean().optional(),
      })
      .strict(),
    /** Defaults to the caller. */
    planHolderId: staffOrAgencyId.optional(),
    content: ZPlanContent,
    reason: text(1000).default('Initial plan'),
  })
  .strict();

export const ZPublishVersion = z
  .object({
    baseVersion: z.number({ message: 'is required: the version number this change starts from' }).int().min(1),
    content: ZPlanContent,
    reason: text(1000),
    trigger: z.enum(PLAN_TRIGGERS, { message: `must be one of ${PLAN_TRIGGERS.join(', ')}` }),
    acknowledgementRequired: z.boolean({ message: 'is required: does this change alter day-to-day delivery?' }),
    recipients: z.array(staffOrAgencyId).min(1).max(100).optional(),
    timing: z
      .object({
        reminderEvery: ZIsoDuration.refine((ms) => ms >= 5_000 && ms <= 7 * 86_400_000, 'must be between 5 seconds and 7 days').optional(),
        acknowledgeWithin: ZIsoDuration.refine((ms) => ms >= 10_000 && ms <= 30 * 86_400_000, 'must be between 10 seconds and 30 days').optional(),
        rapidReviewWithin: ZIsoDuration.refine((ms) => ms >= 10_000 && ms <= 30 * 86_400_000, 'must be between 10 seconds and 30 days').optional(),
      })
      .strict()
      .optional(),
  })
  .strict();

export const ZAcknowledge = z.object({}).strict();

/** The person's consent to share plan elements beyond the care team, as a coordinator or the plan-holder records it. */
export const ZRecordConsent = z
  .object({
    given: z.boolean({ message: 'is required: did the person consent to share?' }),
    scope: z.array(z.enum(SHAREABLE_ELEMENTS, { message: `must be among ${SHAREABLE_ELEMENTS.join(', ')}` })).max(5).default([]),
    how: z.enum(CONSENT_HOW, { message: `must be one of ${CONSENT_HOW.join(', ')}` }),
    note: z.string().trim().max(1000, 'must be at most 1000 characters').optional(),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (c.given && c.scope.length === 0) ctx.addIssue({ code: 'custom', path: ['scope'], message: 'must name at least one element the person agreed to share' });
  })
  // Consent not given shares nothing, whatever was ticked.
  .transform((c) => ({ ...c, scope: c.given ? [...new Set(c.scope)] : [] }));

/** Handing the plan to a new plan-holder from the care team. */
export const ZHandover = z
  .object({
    planHolderId: staffOrAgencyId,
    reason: text(1000),
  })
  .strict();

/** "Remind now", from the plan-holder: nothing to say but which version. */
export const ZRemindNow = z.object({}).strict();

export type TPlanContent = z.infer<typeof ZPlanContent>;
export type TCreatePlan = z.infer<typeof ZCreatePlan>;
export type TPublishVersion = z.infer<typeof ZPublishVersion>;
export type TRecordConsent = z.infer<typeof ZRecordConsent>;
export type THandover = z.infer<typeof ZHandover>;
