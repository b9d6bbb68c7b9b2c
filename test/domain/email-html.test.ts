// The HTML part's renderer (domain/emails/html.ts): every value escaped, one button per action,
// no address shown as text, and a document a screen reader and a phone can read.
import { describe, expect, it } from 'vitest';
import { emailHtml, escapeHtml } from '../../domain/emails/html';
import { buttons as anchors, visibleText } from '../support/email-html';

describe('the email HTML renderer', () => {
  it('escapes every value it is given', () => {
    const evil = `<script>alert("x")</script> & 'quoted'`;
    const html = emailHtml({
      subject: evil,
      greeting: `Hello ${evil},`,
      paragraphs: [evil],
      items: [{ heading: evil, lines: [evil], action: { label: evil, url: 'https://careloop.example/a/cla_1?x="><script>' } }],
      after: [evil],
      replyHelp: [evil, `  done ${evil}`],
      footer: evil,
    });
    expect(html).not.toContain('<script>');
    expect(html).not.toContain(`"x"`);
    expect(html).not.toMatch(/href="[^"]*"[^>]*><script>/);
    // Nine places it was given (the subject is the title), each escaped; the address that would
    // break out of its attribute gets no button at all, so its label is not shown either.
    expect(html.split(escapeHtml('<script>alert("x")</script>')).length - 1).toBe(9);
    expect(anchors(html)).toEqual([]);
    expect(visibleText(html)).toContain(evil);
  });

  it('gives each action one button, a real link with its label, and shows no address as text', () => {
    const html = emailHtml({
      subject: 'careloop: 2 post-discharge tasks for AB12',
      greeting: 'Hello Ada,',
      paragraphs: ['You are the named owner of these post-discharge tasks for participant AB12.'],
      items: [
        { heading: '1. Discharge summary received', lines: ['Due Mon, 30 Nov 2026, 14:05 GMT.'], action: { label: 'Mark as done', url: 'https://careloop.example/a/cla_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa' } },
        { heading: '2. First visit confirmed', lines: ['Due Tue, 1 Dec 2026, 09:00 GMT.'], action: { label: 'Mark as done', url: 'https://careloop.example/a/cla_bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb' } },
        { heading: 'Still to acknowledge', lines: ['Bo (Housing)'] },
      ],
      action: { label: 'Sign in to careloop', url: '/signin' },
    });
    expect(anchors(html)).toEqual([
      { href: 'https://careloop.example/a/cla_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', label: 'Mark as done' },
      { href: 'https://careloop.example/a/cla_bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb', label: 'Mark as done' },
      { href: '/signin', label: 'Sign in to careloop' },
    ]);
    const seen = visibleText(html);
    expect(seen).not.toMatch(/https?:|cla_|\/a\//);
    expect(seen).toContain('1. Discharge summary received Due Mon, 30 Nov 2026, 14:05 GMT. Mark as done 2. First visit confirmed');
    // Each button sits with the item it acts on, under that item's heading.
    expect(html.indexOf('cla_aaaa')).toBeGreaterThan(html.indexOf('1. Discharge summary received'));
    expect(html.indexOf('cla_aaaa')).toBeLessThan(html.indexOf('2. First visit confirmed'));
  });

  it('gives no button for an address that is not careloop’s kind of link', () => {
    for (const url of ['javascript:alert(1)', 'data:text/html,hi', '//evil.example/x', 'https://a.example/x y', '']) {
      const html = emailHtml({ subject: 's', greeting: 'Hello,', action: { label: 'Open', url } });
      expect(anchors(html)).toEqual([]);
      expect(html).not.toContain('>Open<');
    }
  });

  it('is a whole document in English, readable on a phone, with inline styles only and nothing fetched', () => {
    const html = emailHtml({ subject: 'Your careloop sign-in link', greeting: 'Hello Ada,', action: { label: 'Sign in to careloop', url: 'https://careloop.example/signin/cls_x' }, replyHelp: ['Reply with one of these:', '  done', '  not done: <why>'] });
    expect(html).toMatch(/^<!doctype html>\n<html lang="en">/);
    expect(html).toContain('<meta charset="utf-8">');
    expect(html).toContain('<meta name="viewport" content="width=device-width, initial-scale=1">');
    expect(html).toContain('<title>Your careloop sign-in link</title>');
    expect(html).not.toMatch(/<style|<link|<img|<script|src=|url\(/i);
    expect(html).toContain('max-width:600px');
    // The reply commands as a list a screen reader counts, each as code.
    expect(html).toMatch(/<ul[^>]*><li[^>]*><code[^>]*>done<\/code><\/li><li[^>]*><code[^>]*>not done: &lt;why&gt;<\/code><\/li><\/ul>/);
  });

  it('starts with the greeting, as the plain-text part does, so a pasted-back email is recognised', () => {
    const html = emailHtml({ subject: 'careloop: x', greeting: 'Hello Ada,', paragraphs: ['You are the named owner of this post-discharge task for participant AB12.'] });
    expect(visibleText(html)).toMatch(/^Hello Ada, You are the named owner/);
  });
});
