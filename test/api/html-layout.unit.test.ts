// The layout's generic parts, pure: the stacked-table labels page() adds to every data table, and
// the document it wraps each page in (one main, a skip link first, landmarks, a language).
import { describe, expect, it } from 'vitest';
import { html, labelTableCells, page } from '../../api/html';

describe('labelTableCells: each body cell names its column for the phone layout', () => {
  it('labels body cells from the heading row, escaped, and changes nothing else', () => {
    const out = labelTableCells(
      '<table class="tasks"><thead><tr><th>Day</th><th>Task &amp; <em>owner</em></th><th>Say &quot;hi&quot; &lt;b&gt;</th></tr></thead>' +
        '<tbody><tr class="a"><td>0</td><td><a href="/x">Call</a></td><td>ok</td></tr>\n<tr><th scope="row">1</th><td data-label="Mine">kept</td><td>x</td></tr></tbody></table>',
    );
    expect(out).toContain('<table class="tasks"><thead><tr><th>Day</th><th>Task &amp; <em>owner</em></th>');
    expect(out).toContain('<tbody><tr class="a"><td data-label="Day">0</td><td data-label="Task &amp; owner"><a href="/x">Call</a></td>');
    // Heading text with quotes and angle brackets comes out escaped once, not twice and not raw.
    expect(out).toContain('<td data-label="Say &quot;hi&quot; &lt;b&gt;">ok</td></tr>');
    // A row header is labelled too; a cell its page already labelled keeps its own label.
    expect(out).toContain('\n<tr><th scope="row" data-label="Day">1</th><td data-label="Mine">kept</td><td data-label="Say &quot;hi&quot; &lt;b&gt;">x</td></tr></tbody></table>');
  });

  it('handles column spans conservatively', () => {
    const out = labelTableCells(
      '<table><thead><tr><th>Who</th><th colspan="2">When</th><th>What</th></tr></thead><tbody>' +
        '<tr><td>A</td><td>start</td><td>end</td><td>w</td></tr>' +
        '<tr><td>B</td><td colspan="2">all day</td><td>w</td></tr>' +
        '<tr><td colspan="2">spans two headings</td><td>end</td><td>w</td></tr></tbody></table>',
    );
    // A heading over two columns names both; a cell spanning them both still has one heading.
    expect(out).toContain('<tr><td data-label="Who">A</td><td data-label="When">start</td><td data-label="When">end</td><td data-label="What">w</td></tr>');
    expect(out).toContain('<tr><td data-label="Who">B</td><td colspan="2" data-label="When">all day</td><td data-label="What">w</td></tr>');
    // A cell over columns with different headings gets no label, and the columns after it stay in step.
    expect(out).toContain('<tr><td colspan="2">spans two headings</td><td data-label="When">end</td><td data-label="What">w</td></tr>');
  });

  it('leaves alone tables without a heading row, with row spans, nested, or labelled by their page', () => {
    const figures = '<table class="figures"><tbody><tr><th scope="row">Sprints</th><td>3</td></tr></tbody></table>';
    expect(labelTableCells(figures)).toBe(figures);
    const spans = '<table><thead><tr><th>A</th><th>B</th></tr></thead><tbody><tr><td rowspan="2">x</td><td>y</td></tr><tr><td>z</td></tr></tbody></table>';
    expect(labelTableCells(spans)).toBe(spans);
    const nested = '<table><thead><tr><th>A</th></tr></thead><tbody><tr><td><table><tr><td>x</td></tr></table></td></tr></tbody></table>';
    expect(labelTableCells(nested)).toBe(nested);
    const own = '<table class="acks"><thead><tr><th>Who</th></tr></thead><tbody><tr><td data-label="Who">Ann</td></tr></tbody></table>';
    expect(labelTableCells(own)).toBe(own);
    // An empty heading (an actions column) labels nothing.
    expect(labelTableCells('<table><thead><tr><th>Name</th><th></th></tr></thead><tbody><tr><td>A</td><td><a href="/a">Open</a></td></tr></tbody></table>')).toContain(
      '<td data-label="Name">A</td><td><a href="/a">Open</a></td>',
    );
    // Text outside tables, and <time> tags, are not cells.
    expect(labelTableCells('<p>Due <time datetime="x">today</time></p>')).toBe('<p>Due <time datetime="x">today</time></p>');
  });
});

describe('page(): one valid document per page', () => {
  const doc = page(
    { title: 'Sprint <P-1>', signedInAs: { name: 'Ann <Lee>', email: 'ann@care.test', csrfToken: 'tok' } },
    html`<section class="card"><h1>Hi</h1><table><thead><tr><th>Task</th></tr></thead><tbody><tr><td>Call</td></tr></tbody></table></section>`,
  );

  it('has a language, one main, a skip link first, and the header as a banner with its own nav', () => {
    expect(doc).toMatch(/^<!doctype html>\n<html lang="en">/);
    expect(doc.match(/<main[\s>]/g)).toHaveLength(1);
    expect(doc).toContain('<main id="main" tabindex="-1">');
    const body = doc.slice(doc.indexOf('<body>'));
    // The skip link is the first thing in the body that takes focus.
    expect(body.search(/<(a|button|input|select|textarea)[\s>]/)).toBe(body.indexOf('<a class="skip-link" href="#main">Skip to main content</a>'));
    expect(doc).toContain('<header class="top">');
    expect(doc).toContain('<nav class="top-nav" aria-label="Your account">');
    expect(doc).toContain('<title>Sprint &lt;P-1&gt; · careloop</title>');
    expect(doc).toContain('Ann &lt;Lee&gt;');
  });

  it('labels the body’s tables for the phone layout', () => {
    expect(doc).toContain('<td data-label="Task">Call</td>');
  });
});
