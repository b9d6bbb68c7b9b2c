// What a person sends to raise a dispute and to act on one. zod lives here, in the API's half of
// domain/, never in the workflow bundle.
import { z } from 'zod';

const ZText = (what: string, max = 2000) => z.string({ message: `is required: ${what}` }).trim().min(1, `is required: ${what}`).max(max, `must be at most ${max} characters`);
const ZId = (what: string) => z.string({ message: `is required: ${what}` }).trim().min(1, `is required: ${what}`).max(64, 'must be at most 64 characters');

export const ZRaiseDispute = z
  .object({
    participantId: z.string().trim().min(1).max(64).optional(),
    participantLocalRef: z.string().trim().min(1).max(64).optional(),
    subject: ZText('what the dispute is about', 200),
    description: ZText('the disagreement, in a few sentences'),
    outcomeSought: ZText('the outcome your agency seeks', 1000),
    step: ZText("the participant's next step in dispute", 300),
    /** Care does not wait for the dispute: who carries the step on meanwhile. */
    interimOwnerId: ZId('the staff member who owns the disputed step while the dispute runs'),
    respondentAgencyIds: z.array(ZId('an agency')).min(1, 'is required: at least one agency disputed against').max(10, 'must be at most 10 agencies'),
    /** Frontline leads named at the respondent agencies (optional). */
    respondentContactIds: z.array(ZId('a staff member')).max(10, 'must be at most 10 people').default([]),
  })
  .strict()
  .refine((v) => v.participantId || v.participantLocalRef, { message: 'is required: participantId or participantLocalRef', path: ['participantId'] });

export type TRaiseDispute = z.infer<typeof ZRaiseDispute>;

const ZProposalId = (what: string) => z.string({ message: `is required: ${what}, e.g. p1` }).trim().regex(/^p\d{1,4}$/, 'must be a proposal id such as p1');
// An empty choice in a form means "not chosen".
const blankAsUnset = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);
/** Who carries the disputed step on once the dispute closes: a staff member of a party agency; the interim owner when not given. */
const ZCarriesOn = z.preprocess(blankAsUnset, ZId('who carries the step on').optional());

export const ZStatePosition = z.object({ statement: ZText("your agency's position") }).strict();
export const ZProposeResolution = z.object({ terms: ZText('the resolution proposed'), carriesOnId: ZCarriesOn }).strict();
export const ZAcceptProposal = z.object({ proposalId: ZProposalId('the proposal accepted') }).strict();
export const ZDeclineProposal = z.object({ proposalId: ZProposalId('the proposal declined'), reason: ZText('why your agency declines it', 1000) }).strict();
/** A proposal that answers another: the agency declines the one it answers, with `reason` or, when blank, as answered by this one. */
export const ZCounterPropose = z
  .object({ proposalId: ZProposalId('the proposal answered'), terms: ZText('the resolution you propose instead'), reason: z.preprocess(blankAsUnset, ZText('why', 1000).optional()), carriesOnId: ZCarriesOn })
  .strict();
export const ZDecideDispute = z.object({ decision: ZText('the binding decision'), rationale: ZText('why governance decided so'), carriesOnId: ZCarriesOn }).strict();
export const ZWithdrawDispute = z.object({ reason: ZText('why the dispute is withdrawn', 1000) }).strict();
/** The interim owner's progress on the disputed step; `done` when the step itself is finished. */
export const ZInterimProgress = z
  .object({
    note: ZText('how the step stands', 1000),
    done: z.preprocess((v) => v === true || v === 'true' || v === 'on' || v === 'yes', z.boolean()).default(false),
  })
  .strict();
