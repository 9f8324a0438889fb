import type { Kept, Part, Template } from "./api";

/** A template's editable content: its name and the parts its channel sends (and what it keeps unedited). */
export type Draft = { channel: string; name: string } & Partial<Record<Part, string>> & Kept;

/** A Liquid mistake in a part, where the API found it (lines and columns from 1); a
 * language's part is named `locales.hu.body` (partField). */
export type Problem = { part: string; line: number; column: number; message: string };

export type Field = { part: Part; label: string; kind: "line" | "code"; required: boolean; hint?: string };

const SUBJECT: Field = { part: "subject", label: "Subject", kind: "line", required: true };
const TITLE: Field = { part: "title", label: "Title", kind: "line", required: false };
const BODY: Field = { part: "body", label: "Body", kind: "code", required: true };

/** The parts each channel sends (baton/channels/templates.py _NEEDS), in the order one writes them. */
const FIELDS: Record<string, Field[]> = {
  email: [
    SUBJECT,
    { part: "html", label: "HTML", kind: "code", required: false },
    { part: "text", label: "Plain text", kind: "code", required: false, hint: "Left empty, it is made from the HTML." },
  ],
  sms: [BODY],
  push: [TITLE, BODY],
  inbox: [TITLE, BODY],
  chat: [BODY],
  whatsapp: [{ ...BODY, required: false, hint: "Free-form text: sent only within 24 hours of the person's last message." }],
};

export function fieldsOf(channel: string): Field[] {
  return FIELDS[channel] ?? [TITLE, BODY];
}

/** The channels a new template may be for. */
export const NEW_CHANNELS = ["email", "sms", "push", "inbox", "chat"] as const;

const GREETING = "{{ profile.traits.firstName | default: 'there' }}";

/** A first version that saves as it is, for the author to change. */
export function starterDraft(channel: string, name: string): Draft {
  switch (channel) {
    case "email":
      return {
        channel,
        name,
        subject: `Hi ${GREETING}`,
        html: `<p>Hi ${GREETING},</p>\n<p>…</p>\n<p>{{ workspace.company }}</p>\n`,
      };
    case "push":
    case "inbox":
      return { channel, name, title: `Hi ${GREETING}`, body: "…" };
    default:
      return { channel, name, body: `Hi ${GREETING}, …` };
  }
}

/** The draft of a stored template: its channel's parts, empty ones as empty text. */
export function draftOf(template: Template): Draft {
  const draft: Draft = { channel: template.channel, name: template.name ?? "", ...kept(template) };
  for (const field of fieldsOf(template.channel)) draft[field.part] = template[field.part] ?? "";
  return draft;
}

/** The template document the API reads: parts left empty are left out. */
export function documentOf(draft: Draft): Draft {
  const document: Draft = { channel: draft.channel, name: draft.name.trim() };
  for (const field of fieldsOf(draft.channel)) {
    const value = draft[field.part];
    if (value !== undefined && value !== "") document[field.part] = value;
  }
  return { ...document, ...kept(draft) };
}

/** The parts the editor does not edit, so that saving keeps them. */
function kept(from: Kept): Kept {
  const found: Kept = {};
  if (from.whatsapp) found.whatsapp = from.whatsapp;
  if (from.locales && Object.keys(from.locales).length > 0) found.locales = from.locales;
  return found;
}

/** A language code as the API takes it: `hu`, `pt-BR` (baton/channels/templates.py). */
export const LOCALE_CODE = /^[A-Za-z]{2,3}([-_][A-Za-z0-9]{2,8})?$/;

/** Where the API names a part of the template (null) or of one of its languages. */
export const partField = (locale: string | null, part: Part): string => (locale ? `locales.${locale}.${part}` : part);

/** The text of `part`, in the template itself (null) or in one of its languages. */
export function partText(draft: Draft, locale: string | null, part: Part): string {
  return (locale ? draft.locales?.[locale]?.[part] : draft[part]) ?? "";
}

/** The draft with `part` set to `text`; a language's emptied part is left out, so that it
 * falls back to the template's own. */
export function withPart(draft: Draft, locale: string | null, part: Part, text: string): Draft {
  if (!locale) return { ...draft, [part]: text };
  const { [part]: _, ...others } = draft.locales?.[locale] ?? {};
  return { ...draft, locales: { ...draft.locales, [locale]: text ? { ...others, [part]: text } : others } };
}

/** The draft with a language added (empty until a part is written) or removed. */
export function withLocale(draft: Draft, locale: string, present: boolean): Draft {
  const { [locale]: _, ...others } = draft.locales ?? {};
  return { ...draft, locales: present ? { ...others, [locale]: draft.locales?.[locale] ?? {} } : others };
}

/** "html, line 3, column 12: unknown filter 'upcasee'". */
export function problemText(problem: Problem): string {
  return `${problem.part}, line ${problem.line}, column ${problem.column}: ${problem.message}`;
}

/** The span of text a problem points at, as offsets into `source`: from its line and
 * column to the end of the word there (one character when it is not in a word). */
export function spanOf(source: string, problem: Pick<Problem, "line" | "column">): { from: number; to: number } {
  const lines = source.split("\n");
  const line = Math.min(Math.max(problem.line, 1), lines.length);
  const start = lines.slice(0, line - 1).reduce((sum, text) => sum + text.length + 1, 0);
  const text = lines[line - 1] ?? "";
  const column = Math.min(Math.max(problem.column - 1, 0), text.length);
  const word = /^[\w.-]+/.exec(text.slice(column))?.[0].length ?? 0;
  const from = start + column;
  return { from, to: Math.min(from + Math.max(word, 1), source.length) };
}
