// The token module: every purpose has its rule, links and replies are told apart, lifetimes are
// the arithmetic the table says, and a link holder never carries an administrator's role.
import { describe, expect, it } from 'vitest';
import {
  DISPUTE_ACCEPT_TOKEN_PURPOSE,
  DISPUTE_DECISION_TOKEN_PURPOSE,
  DISPUTE_INTERIM_TOKEN_PURPOSE,
  DISPUTE_POSITION_TOKEN_PURPOSE,
  DISPUTE_REPLY_TOKEN_PURPOSE,
  ESCALATION_TOKEN_PURPOSE,
  HUDDLE_DECISION_TOKEN_PURPOSE,
  isTokenPurpose,
  LINK_PURPOSES,
  ESCALATION_VIEW_TOKEN_PURPOSE,
  ESCALATION_REPLY_TOKEN_PURPOSE,
  linkHolderRoles,
  PLAN_ACTION_REPLY_TOKEN_PURPOSE,
  PLAN_ACTION_TOKEN_PURPOSE,
  PLAN_REPLY_TOKEN_PURPOSE,
  PLAN_REVIEW_TOKEN_PURPOSE,
  PLAN_TOKEN_PURPOSE,
  PLAN_UPDATE_REPLY_TOKEN_PURPOSE,
  PLAN_UPDATE_TOKEN_PURPOSE,
  REPLY_TOKEN_PURPOSE,
  REPLY_TOKEN_PURPOSES,
  TASK_TOKEN_PURPOSE,
  TOKEN_EXPIRY,
  TOKEN_PURPOSES,
  TOKEN_SHAPE,
} from '../../domain/tokens';

describe('token purposes', () => {
  it('has a rule for every purpose, and splits them into link pages and reply addresses', () => {
    expect(Object.keys(TOKEN_PURPOSES).sort()).toEqual(
      [
        TASK_TOKEN_PURPOSE,
        REPLY_TOKEN_PURPOSE,
        PLAN_TOKEN_PURPOSE,
        PLAN_REPLY_TOKEN_PURPOSE,
        ESCALATION_TOKEN_PURPOSE,
        ESCALATION_VIEW_TOKEN_PURPOSE,
        ESCALATION_REPLY_TOKEN_PURPOSE,
        DISPUTE_POSITION_TOKEN_PURPOSE,
        DISPUTE_ACCEPT_TOKEN_PURPOSE,
        DISPUTE_DECISION_TOKEN_PURPOSE,
        DISPUTE_INTERIM_TOKEN_PURPOSE,
        DISPUTE_REPLY_TOKEN_PURPOSE,
        PLAN_ACTION_TOKEN_PURPOSE,
        PLAN_ACTION_REPLY_TOKEN_PURPOSE,
        PLAN_REVIEW_TOKEN_PURPOSE,
        PLAN_UPDATE_TOKEN_PURPOSE,
        PLAN_UPDATE_REPLY_TOKEN_PURPOSE,
        HUDDLE_DECISION_TOKEN_PURPOSE,
      ].sort(),
    );
    expect([...LINK_PURPOSES].sort()).toEqual(
      [TASK_TOKEN_PURPOSE, PLAN_TOKEN_PURPOSE, ESCALATION_TOKEN_PURPOSE, ESCALATION_VIEW_TOKEN_PURPOSE, DISPUTE_POSITION_TOKEN_PURPOSE, DISPUTE_ACCEPT_TOKEN_PURPOSE, DISPUTE_DECISION_TOKEN_PURPOSE, DISPUTE_INTERIM_TOKEN_PURPOSE, PLAN_ACTION_TOKEN_PURPOSE, PLAN_REVIEW_TOKEN_PURPOSE, PLAN_UPDATE_TOKEN_PURPOSE, HUDDLE_DECISION_TOKEN_PURPOSE].sort(),
    );
    expect(REPLY_TOKEN_PURPOSES.every((p) => isTokenPurpose(p) && TOKEN_PURPOSES[p].channel === 'reply')).toBe(true);
    for (const rule of Object.values(TOKEN_PURPOSES)) expect(rule.noLongerWorks).toMatch(/^This (link|reply address) no longer works: /);
  });

  it('knows only its own purposes, whatever a row says', () => {
    expect(isTokenPurpose('sprint-task')).toBe(true);
    expect(isTokenPurpose('signin')).toBe(false);
    expect(isTokenPurpose('__proto__')).toBe(false);
    expect(isTokenPurpose('toString')).toBe(false);
  });

  it('looks up only token-shaped strings', () => {
    expect(TOKEN_SHAPE.test('cla_' + 'x'.repeat(30))).toBe(true);
    expect(TOKEN_SHAPE.test('0123456789abcdef0123456789abcdef01234567')).toBe(true);
    expect(TOKEN_SHAPE.test('short')).toBe(false);
    expect(TOKEN_SHAPE.test('x'.repeat(30) + '/..')).toBe(false);
  });
});

describe('token lifetimes', () => {
  const DAY = 86_400_000;
  it('ends sprint links at close, plan links at twice the deadline (30 days at least), escalation +7 days, dispute +30 days', () => {
    expect(TOKEN_EXPIRY.sprint('2026-12-03T08:00:00.000Z')).toBe('2026-12-03T08:00:00.000Z');
    const start = Date.parse('2026-11-01T00:00:00.000Z');
    expect(TOKEN_EXPIRY.planChange(start, 3 * DAY)).toBe('2026-12-01T00:00:00.000Z');
    expect(TOKEN_EXPIRY.planChange(start, 20 * DAY)).toBe('2026-12-11T00:00:00.000Z');
    expect(TOKEN_EXPIRY.escalation('2026-11-30T12:00:00.000Z')).toBe('2026-12-07T12:00:00.000Z');
    expect(TOKEN_EXPIRY.dispute('2026-11-30T12:00:00.000Z')).toBe('2026-12-30T12:00:00.000Z');
    expect(TOKEN_EXPIRY.planStep('2026-12-02T00:00:00.000Z')).toBe('2027-01-01T00:00:00.000Z');
  });
});

describe('what a link holder may do', () => {
  it('keeps their own roles but never an administrator’s', () => {
    expect(linkHolderRoles(['coordinator', 'admin', 'manager'])).toEqual(['coordinator', 'manager']);
    expect(linkHolderRoles(['admin'])).toEqual([]);
    expect(linkHolderRoles(['staff'])).toEqual(['staff']);
  });
});
