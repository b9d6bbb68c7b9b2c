// What a person sends to raise an escalation and to act on one. zod lives here, in the API's
// half of domain/, never in the workflow bundle.
import { z } from 'zod';
import { RISK_LEVELS } from './escalation';
import { ZIsoDuration } from './sprint-input';

const MIN_WINDOW_MS = 10_000;
const MAX_WINDOW_MS = 30 * 24 * 3600_000;

const ZWindow = ZIsoDuration.refine((ms) => ms >= MIN_WINDOW_MS && ms <= MAX_WINDOW_MS, {
  message: `must be between ${MIN_WINDOW_MS / 1000} seconds and ${MAX_WINDOW_MS / 86_400_000} days`,
});

const ZTierWindows = z.object({ acknowledgeWithin: ZWindow.optional(), respondWithin: ZWindow.optional() }).strict();

const ZText = (what: string, max = 2000) => z.string({ message: `is required: ${what}` }).trim().min(1, `is required: ${what}`).max(max, `must be at most ${max} characters`);

export const ZRaiseEscalation = z
  .object({
    participantId: z.string().trim().min(1).max(64).optional(),
    participantLocalRef: z.string().trim().min(1).max(64).optional(),
    riskLevel: z.enum(RISK_LEVELS, { message: `is required: one of ${RISK_LEVELS.join(', ')}` }),
    trigger: ZText('what triggered the escalation', 200),
    description: z.string().trim().max(2000, 'must be at most 2000 characters').default(''),
    source: z
      .object({
        process: z.enum(['sprint', 'plan-change', 'manual']),
        workflowId: z.string().trim().min(1).max(200).optional(),
        item: z.string().trim().min(1).max(120).optional(),
      })
      .strict()
      .optional(),
    timing: z.object({ acute: ZTierWindows.optional(), high: ZTierWindows.optional(), moderate: ZTierWindows.optional(), low: ZTierWindows.optional() }).strict().optional(),
  })
  .strict()
  .refine((v) => v.participantId || v.participantLocalRef, { message: 'is required: participantId or participantLocalRef', path: ['participantId'] });

export type TRaiseEscalation = z.infer<typeof ZRaiseEscalation>;

export const ZAcknowledgeEscalation = z.object({}).strict();
export const ZRespondEscalation = z.object({ responseAction: ZText('the response action taken') }).strict();
export const ZResolveEscalation = z.object({ outcome: ZText('the outcome record') }).strict();
export const ZEscalationNote = z.object({ text: ZText('the note') }).strict();

/** The tier window overrides of a request, in the policy's terms. */
export function windowOverrides(timing: TRaiseEscalation['timing']) {
  return Object.fromEntries(
    Object.entries(timing ?? {}).map(([level, w]) => [level, { acknowledgeWithinMs: w?.acknowledgeWithin, respondWithinMs: w?.respondWithin }]),
  );
}
