// The emails the API sends, as templates: the words a person reads, with nothing clinical.
import { describe, expect, it } from 'vitest';
import { forgedReplyEmail } from '../../domain/emails/forged-reply';
import { planAcknowledgedEmail, planReplyNotUnderstoodEmail } from '../../domain/emails/plan-reply-answer';
import { replyAnswerEmail, REPLY_SYNTAX } from '../../domain/emails/reply-answer';
import { signinLinkEmail } from '../../domain/emails/signin-link';
import { parseReplyCommands } from '../../domain/reply-commands';

describe('the API’s emails', () => {
  it('sends a sign-in link that says how long it works and what to do if unasked', () => {
    const e = signinLinkEmail({ name: 'Ada', link: 'https://careloop.example/signin/cls_x', minutes: 15 });
    expect(e.subject).toBe('Your careloop sign-in link');
    expect(e.text).toContain('Hello Ada,');
    expect(e.text).toContain('within 15 minutes');
    expect(e.text).toContain('https://careloop.example/signin/cls_x');
    expect(e.text).toContain('If you did not ask to sign in, ignore this email.');
  });

  it('answers a sprint reply with what was recorded, what was not and the syntax', () => {
    const reply = parseReplyCommands('1 done\n2 done\nplease call me');
    const e = replyAnswerEmail('Ada', reply, [
      { taskKey: 'a', ok: true, message: 'Discharge summary received: recorded as done' },
      { taskKey: '', ok: false, message: 'ignored' },
    ]);
    expect(e.subject).toBe('careloop: part of your reply was not recorded');
    expect(e.text).toContain('Recorded:\n  Task 1: Discharge summary received: recorded as done');
    expect(e.text).toContain('Not recorded:\n  Task 2: The email has no task with that number.');
    expect(e.text).toContain(REPLY_SYNTAX[0]);
  });

  it('says so when a reply held no command, and nothing else', () => {
    const e = replyAnswerEmail('Ada', parseReplyCommands('thanks!'), []);
    expect(e.subject).toBe('careloop: your reply could not be read');
    expect(e.text).toContain('careloop found no command it knows in your reply');
  });

  it('confirms a plan acknowledgement, or says how to give one', () => {
    expect(planAcknowledgedEmail({ name: 'Ada', version: 3, at: '2026-11-30T12:00:00.000Z', channel: 'email-reply' }).text).toContain('version 3 of the plan is recorded (Mon, 30 Nov 2026, 12:00 UTC, by replying to the email)');
    const named = planAcknowledgedEmail({ name: 'Ada', version: 3, at: '2026-11-30T12:00:00.000Z', channel: 'link', participantRef: 'AB12', timeZone: 'Europe/London' });
    expect(named.subject).toBe('careloop: acknowledgement of the plan for AB12 recorded');
    expect(named.text).toContain('version 3 of the plan for participant AB12 is recorded (Mon, 30 Nov 2026, 12:00 GMT, by the emailed link)');
    expect(planReplyNotUnderstoodEmail({ name: 'Ada' }).text).toContain('reply with the word "acknowledged"');
  });

  it('tells the owner, never the sender, that a reply from another address changed nothing', () => {
    const e = forgedReplyEmail({ ownerName: 'Ada', ownerEmail: 'ada@ward.example', claimedFrom: 'mallory@evil.example' });
    expect(e.subject).toBe('careloop: a reply to your email was not accepted');
    expect(e.text).toContain('from another address (mallory@evil.example)');
    expect(e.text).toContain('Nothing was changed.');
    expect(e.text).toContain('reply again from ada@ward.example');
  });
});
