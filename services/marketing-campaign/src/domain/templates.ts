// Message templates with personalisation placeholders: {{firstName}}, {{points}}, {{firstName|there}}.
import { z } from 'zod';

export const placeholderFields = [
  'firstName',
  'lastName',
  'points',
  'tier',
  'pointsToNextTier',
  'couponCode',
  'campaignName',
  'unsubscribeUrl',
] as const;
export const PlaceholderFieldSchema = z.enum(placeholderFields);
export type PlaceholderField = z.infer<typeof PlaceholderFieldSchema>;

export type TemplateValues = Partial<Record<PlaceholderField, string | number | null | undefined>>;

// {{ name }} or {{ name|default text }}; the default may not contain braces or a pipe.
const PLACEHOLDER = /\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*(?:\|([^{}|]*))?\}\}/g;

export interface TemplateIssue {
  message: string;
  index: number;
}

/** Problems in a template text: unknown placeholders and stray/unbalanced braces. */
export function templateIssues(text: string): TemplateIssue[] {
  const issues: TemplateIssue[] = [];
  const stripped = text.replace(PLACEHOLDER, (match, name: string, _def: string | undefined, index: number) => {
    if (!(placeholderFields as readonly string[]).includes(name)) {
      issues.push({ message: `unknown placeholder "${name}" (known: ${placeholderFields.join(', ')})`, index });
    }
    return ' '.repeat(match.length);
  });
  const open = stripped.indexOf('{{');
  if (open >= 0) issues.push({ message: 'malformed placeholder ("{{" without a valid "name}}")', index: open });
  const close = stripped.indexOf('}}');
  if (close >= 0) issues.push({ message: 'stray "}}"', index: close });
  return issues;
}

function templateText(maxLength: number) {
  return z
    .string()
    .max(maxLength)
    .superRefine((text, ctx) => {
      for (const issue of templateIssues(text)) ctx.addIssue({ code: 'custom', message: `${issue.message} at ${issue.index}` });
    });
}

export const TemplateSchema = z
  .object({
    key: z.string().regex(/^[a-z0-9_.-]{1,64}$/),
    format: z.enum(['text', 'html']),
    subject: templateText(300).optional(),
    body: templateText(100_000),
  })
  .strict();
export type Template = z.infer<typeof TemplateSchema>;

export function escapeHtml(value: string): string {
  return value
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** Placeholders a text uses (deduplicated, in order of first use). */
export function placeholdersOf(text: string): string[] {
  const seen = new Set<string>();
  for (const m of text.matchAll(PLACEHOLDER)) seen.add(m[1]!);
  return [...seen];
}

/**
 * Fill placeholders. A missing or empty value takes the placeholder's default, else renders as ''
 * and is listed in `missing`. With `html`, values and defaults are HTML-escaped (the template itself is not).
 */
export function renderText(text: string, values: TemplateValues, opts: { html: boolean }): { text: string; missing: string[] } {
  const missing = new Set<string>();
  const out = text.replace(PLACEHOLDER, (_m, name: string, def: string | undefined) => {
    const raw = values[name as PlaceholderField];
    let value = raw === null || raw === undefined ? '' : String(raw);
    if (value === '') {
      if (def !== undefined) value = def.trim();
      else missing.add(name);
    }
    return opts.html ? escapeHtml(value) : value;
  });
  return { text: out, missing: [...missing] };
}

export function render(template: Template, values: TemplateValues): { subject?: string; body: string; missing: string[] } {
  const html = template.format === 'html';
  const body = renderText(template.body, values, { html });
  // Subjects are plain text headers even for HTML mail.
  const subject = template.subject === undefined ? undefined : renderText(template.subject, values, { html: false });
  const missing = [...new Set([...(subject?.missing ?? []), ...body.missing])];
  return subject ? { subject: subject.text, body: body.text, missing } : { body: body.text, missing };
}
