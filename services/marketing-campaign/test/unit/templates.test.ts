import { describe, expect, it } from 'vitest';
import { escapeHtml, placeholdersOf, render, renderText, TemplateSchema, templateIssues } from '../../src/domain/templates.ts';

describe('template validation', () => {
  it('accepts known placeholders with and without defaults and spaces', () => {
    expect(templateIssues('Hi {{firstName|there}}, you have {{ points }} points')).toEqual([]);
  });
  it('rejects unknown placeholders with their position', () => {
    const issues = templateIssues('Hi {{firstname}} and {{password}}');
    expect(issues.map((i) => i.index)).toEqual([3, 21]);
    expect(issues[0]!.message).toContain('firstname');
  });
  it('rejects malformed braces', () => {
    expect(templateIssues('Hi {{firstName')).toHaveLength(1);
    expect(templateIssues('Hi firstName}}')).toHaveLength(1);
    expect(templateIssues('Hi {{first name}}')).toHaveLength(2);
  });
  it('validates the template schema (subject and body)', () => {
    expect(TemplateSchema.safeParse({ key: 'welcome', format: 'html', subject: 'Welcome {{firstName|}}', body: '<p>Hi {{firstName|there}}</p>' }).success).toBe(true);
    const bad = TemplateSchema.safeParse({ key: 'welcome', format: 'text', subject: 'Hi {{nickname}}', body: 'x' });
    expect(bad.success).toBe(false);
    expect(bad.error!.issues[0]!.path).toEqual(['subject']);
    expect(TemplateSchema.safeParse({ key: 'Bad Key', format: 'text', body: 'x' }).success).toBe(false);
  });
  it('lists placeholders once', () => {
    expect(placeholdersOf('{{points}} {{firstName|x}} {{points}}')).toEqual(['points', 'firstName']);
  });
});

describe('rendering', () => {
  it('fills values', () => {
    expect(renderText('Hi {{firstName}}, {{points}} points', { firstName: 'Ada', points: 120 }, { html: false })).toEqual({ text: 'Hi Ada, 120 points', missing: [] });
  });
  it('uses defaults for missing and empty values', () => {
    expect(renderText('Hi {{firstName|there}}!', {}, { html: false }).text).toBe('Hi there!');
    expect(renderText('Hi {{firstName|there}}!', { firstName: '' }, { html: false }).text).toBe('Hi there!');
    expect(renderText('Hi {{firstName|there}}!', { firstName: null }, { html: false }).text).toBe('Hi there!');
  });
  it('reports missing values without defaults', () => {
    expect(renderText('Hi {{firstName}}, code {{couponCode}}', { firstName: 'Bo' }, { html: false })).toEqual({ text: 'Hi Bo, code ', missing: ['couponCode'] });
  });
  it('HTML-escapes values in HTML bodies but not the markup', () => {
    const r = render({ key: 't', format: 'html', subject: 'For {{firstName}}', body: '<p>Hi {{firstName}}</p>' }, { firstName: '<script>alert("x")</script> & Co' });
    expect(r.body).toBe('<p>Hi &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; Co</p>');
    expect(r.subject).toBe('For <script>alert("x")</script> & Co');
  });
  it('does not escape text bodies', () => {
    expect(render({ key: 't', format: 'text', body: 'Hi {{firstName}}' }, { firstName: "O'Brien & <Sons>" }).body).toBe("Hi O'Brien & <Sons>");
  });
  it('escapes defaults too in HTML', () => {
    expect(renderText('{{firstName|<friend>}}', {}, { html: true }).text).toBe('&lt;friend&gt;');
  });
  it('escapes all five special characters', () => {
    expect(escapeHtml(`&<>"'`)).toBe('&amp;&lt;&gt;&quot;&#39;');
  });
  it('does not re-expand placeholders inside values', () => {
    expect(renderText('{{firstName}}', { firstName: '{{points}}' }, { html: false }).text).toBe('{{points}}');
  });
});
