// Custom search attributes careloop keeps current on its workflows, so managers' live lists
// come from Temporal visibility rather than from querying workflows one by one.
// Names are stable: renaming one strands the workflows that carry the old name.
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export const CareloopProcess = defineSearchAttributeKey('CareloopProcess', SearchAttributeType.KEYWORD);
export const CareloopParticipant = defineSearchAttributeKey('CareloopParticipant', SearchAttributeType.KEYWORD);
export const CareloopStatus = defineSearchAttributeKey('CareloopStatus', SearchAttributeType.KEYWORD);
export const CareloopAgencies = defineSearchAttributeKey('CareloopAgencies', SearchAttributeType.KEYWORD_LIST);
export const CareloopOverdueCount = defineSearchAttributeKey('CareloopOverdueCount', SearchAttributeType.INT);
export const CareloopEscalationTier = defineSearchAttributeKey('CareloopEscalationTier', SearchAttributeType.INT);
/** Who owes what next (domain/next-action.ts): the huddle roster reads these. */
export const CareloopNextAction = defineSearchAttributeKey('CareloopNextAction', SearchAttributeType.KEYWORD);
export const CareloopNextOwner = defineSearchAttributeKey('CareloopNextOwner', SearchAttributeType.KEYWORD);
export const CareloopNextDue = defineSearchAttributeKey('CareloopNextDue', SearchAttributeType.DATETIME);

export const SEARCH_ATTRIBUTE_KEYS = [
  CareloopProcess,
  CareloopParticipant,
  CareloopStatus,
  CareloopAgencies,
  CareloopOverdueCount,
  CareloopEscalationTier,
  CareloopNextAction,
  CareloopNextOwner,
  CareloopNextDue,
];
