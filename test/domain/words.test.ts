// careloop's one vocabulary (domain/words.ts): every code of every status and reason type has a
// word a person can read, and no word holds a code. The code lists below are checked against
// their types at compile time (`every<T>()` refuses a list that misses one), so a new status
// added to a type without a word here fails the typecheck before it reaches a page or an email.
import { describe, expect, it } from 'vitest';
import type { DisputeStatus } from '../../domain/dispute';
import type { EscalationStatus } from '../../domain/escalation';
import type { DecisionStatus, HuddleStatus } from '../../domain/huddle';
import { CONSENT_HOW, PLAN_TRIGGERS, RISK_LEVELS, SHAREABLE_ELEMENTS, type PlanChangeStatus } from '../../domain/plan';
import type { AgencyUpdateStatus, PlanActionStatus, RapidReviewStatus } from '../../domain/plan-steps';
import type { SprintStatus, TaskStatus, TaskStatusReason } from '../../domain/sprint';
import { ROLES } from '../../domain/roles';
import {
  AGENCY_UPDATE_STATUS_WORDS,
  CHANNEL_WORDS,
  CONSENT_HOW_WORDS,
  DECISION_STATUS_WORDS,
  DISPUTE_STATUS_WORDS,
  ESCALATION_STATUS_WORDS,
  HUDDLE_STATUS_WORDS,
  HYPHENATED_CODES,
  PLAN_ACTION_STATUS_WORDS,
  PLAN_CHANGE_STATUS_WORDS,
  PLAN_STEPS_STATUS_WORDS,
  PLAN_TRIGGER_PHRASE_WORDS,
  PLAN_TRIGGER_WORDS,
  PROCESS_WORDS,
  RAPID_REVIEW_STATUS_WORDS,
  RISK_LEVEL_WORDS,
  ROLE_WORDS,
  RUN_STATUS_WORDS,
  SHAREABLE_ELEMENT_WORDS,
  SPRINT_STATUS_WORDS,
  TASK_REASON_WORDS,
  TASK_STATUS_WORDS,
  processStatusWords,
  processWords,
  taskStatusWords,
} from '../../domain/words';

/** A list of every member of the union T: a missing or unknown member does not compile. */
const every =
  <T extends string>() =>
  <const U extends readonly T[]>(...codes: U & ([T] extends [U[number]] ? unknown : ['missing a code of the type'])): readonly T[] =>
    codes;

const SPRINT_STATUSES = every<SprintStatus>()('open', 'completed', 'completed-with-gaps', 'cancelled');
const TASK_STATUSES = every<TaskStatus>()('requested', 'completed', 'rejected', 'cancelled', 'failed');
const TASK_REASONS = every<TaskStatusReason>()('refused-by-participant', 'not-applicable', 'sprint-cancelled', 'not-done-by-close');
const PLAN_CHANGE_STATUSES = every<PlanChangeStatus>()('awaiting-acknowledgements', 'acknowledged', 'superseded', 'no-acknowledgement-required');
const PLAN_STEPS_STATUSES = ['rapid-review', 'actions-open', 'nothing-open'] as const;
const PLAN_ACTION_STATUSES = every<PlanActionStatus>()('open', 'done', 'not-done', 'cancelled');
const AGENCY_UPDATE_STATUSES = every<AgencyUpdateStatus>()('open', 'answered', 'cancelled');
const RAPID_REVIEW_STATUSES = every<RapidReviewStatus>()('open', 'reviewed', 'no-change');
const ESCALATION_STATUSES = every<EscalationStatus>()('open', 'acknowledged', 'responded', 'resolved');
const DISPUTE_STATUSES = every<DisputeStatus>()('open', 'resolved', 'decided', 'withdrawn');
const HUDDLE_STATUSES = every<HuddleStatus>()('preparing', 'open', 'following-up', 'closed');
const DECISION_STATUSES = every<DecisionStatus>()('open', 'done', 'not-done');

/** Statuses: each code, its map, and whether its word is a label (starts with a capital). */
const STATUS_TYPES: [string, readonly string[], Record<string, string>][] = [
  ['sprint', SPRINT_STATUSES, SPRINT_STATUS_WORDS],
  ['task', TASK_STATUSES, TASK_STATUS_WORDS],
  ['plan change', PLAN_CHANGE_STATUSES, PLAN_CHANGE_STATUS_WORDS],
  ['plan steps', PLAN_STEPS_STATUSES, PLAN_STEPS_STATUS_WORDS],
  ['plan action', PLAN_ACTION_STATUSES, PLAN_ACTION_STATUS_WORDS],
  ['agency update', AGENCY_UPDATE_STATUSES, AGENCY_UPDATE_STATUS_WORDS],
  ['rapid review', RAPID_REVIEW_STATUSES, RAPID_REVIEW_STATUS_WORDS],
  ['escalation', ESCALATION_STATUSES, ESCALATION_STATUS_WORDS],
  ['dispute', DISPUTE_STATUSES, DISPUTE_STATUS_WORDS],
  ['huddle', HUDDLE_STATUSES, HUDDLE_STATUS_WORDS],
  ['huddle decision', DECISION_STATUSES, DECISION_STATUS_WORDS],
  ['risk level', RISK_LEVELS, RISK_LEVEL_WORDS],
  ['role', ROLES, ROLE_WORDS],
  ['plan trigger', PLAN_TRIGGERS, PLAN_TRIGGER_WORDS],
  ['shared part of a plan', SHAREABLE_ELEMENTS, SHAREABLE_ELEMENT_WORDS],
  ['Temporal run status', Object.keys(RUN_STATUS_WORDS), RUN_STATUS_WORDS],
];

/** Words used inside a sentence: reasons, phrases, channels (lower case is right for them). */
const PHRASE_TYPES: [string, readonly string[], Record<string, string>][] = [
  ['task reason', TASK_REASONS, TASK_REASON_WORDS],
  ['plan trigger in a sentence', PLAN_TRIGGERS, PLAN_TRIGGER_PHRASE_WORDS],
  ['how consent was given', CONSENT_HOW, CONSENT_HOW_WORDS],
  ['channel', ['link', 'email-reply', 'web', 'api'], CHANNEL_WORDS],
];

/** Any code careloop keeps, as it could leak: hyphenated, snake_case or the process kinds. */
const LEAK = new RegExp(`(?<![\\w-])(${[...HYPHENATED_CODES, ...PLAN_TRIGGERS.filter((t) => t.includes('_'))].join('|')})(?![\\w-])|\\w_\\w`);

describe('one vocabulary', () => {
  it.each(STATUS_TYPES)('every %s status has a word that is a label, not a code', (_name, codes, words) => {
    for (const code of codes) {
      const word = words[code];
      expect(word, `no word for ${code}`).toBeTruthy();
      expect(word!.trim()).toBe(word);
      expect(word, `the word for ${code} holds a code`).not.toMatch(LEAK);
      expect(word, `the word for ${code} does not start with a capital`).toMatch(/^[A-Z]/);
      if (code.includes('-') || code.includes('_')) expect(word).not.toBe(code);
    }
  });

  it.each(PHRASE_TYPES)('every %s has words that hold no code', (_name, codes, words) => {
    for (const code of codes) {
      const word = words[code];
      expect(word, `no word for ${code}`).toBeTruthy();
      expect(word, `the word for ${code} holds a code`).not.toMatch(LEAK);
      if (code.includes('-') || code.includes('_')) expect(word).not.toBe(code);
    }
  });

  it('a task status with its reason reads as one phrase, never a code', () => {
    const seen = new Set<string>();
    for (const status of TASK_STATUSES) {
      for (const reason of [undefined, ...TASK_REASONS]) {
        const words = taskStatusWords(status, reason);
        expect(words).toMatch(/^[A-Z]/);
        expect(words).not.toMatch(LEAK);
        expect(words).not.toContain(status === 'requested' ? 'requested' : '·');
        seen.add(words);
      }
    }
    expect(taskStatusWords('cancelled', 'not-applicable')).toBe('Cancelled because it did not apply');
    expect(taskStatusWords('cancelled', 'sprint-cancelled')).toBe('Cancelled because the sprint was cancelled');
    expect(taskStatusWords('failed', 'not-done-by-close')).toBe('Not done by close');
    expect(taskStatusWords('requested')).toBe('Open');
    expect(seen.size).toBeGreaterThanOrEqual(TASK_STATUSES.length + 1);
  });

  const PUBLISHED: Record<string, readonly string[]> = {
    sprint: SPRINT_STATUSES,
    'plan-change': PLAN_CHANGE_STATUSES,
    'plan-steps': PLAN_STEPS_STATUSES,
    escalation: ESCALATION_STATUSES,
    dispute: [...DISPUTE_STATUSES.filter((s) => s !== 'open'), 'stage-1', 'stage-2', 'stage-3'],
    huddle: HUDDLE_STATUSES,
  };

  it.each(Object.entries(PUBLISHED))('processStatusWords covers every status %s publishes, never as its code', (process, statuses) => {
    for (const status of statuses) {
      const words = processStatusWords(process, status);
      expect(words, `${process} ${status}`).not.toBe('Unknown status');
      expect(words).not.toBe(status);
      expect(words).not.toMatch(LEAK);
      expect(words).toMatch(/^[A-Z]/);
    }
  });

  it('an unknown process or status reads as words, not as the code it was given', () => {
    expect(processStatusWords('sprint', 'not-a-status')).toBe('Unknown status');
    expect(processStatusWords(undefined, 'open')).toBe('Unknown status');
    expect(processStatusWords('dispute', undefined)).toBe('Unknown status');
    expect(processStatusWords('dispute', 'stage-2')).toBe('Open at stage 2');
    expect(processWords('not-a-process')).toBe('Other process');
    for (const kind of Object.keys(PROCESS_WORDS)) expect(processWords(kind)).not.toBe(kind);
  });

  it('the list of hyphenated codes holds every hyphenated status and reason', () => {
    for (const [, codes] of [...STATUS_TYPES, ...PHRASE_TYPES]) {
      for (const code of codes.filter((c) => c.includes('-'))) expect(HYPHENATED_CODES, code).toContain(code);
    }
  });
});
