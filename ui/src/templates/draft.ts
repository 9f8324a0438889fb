import type { Part, Template } from "./api";

/** A template's editable content: its name and the parts its channel sends. */
export type Draft = { channel: string; name: string } & Partial<Record<Part, string>>;

/** A Liquid mistake in a part, where the API found it (lines and columns from 1). */
export type Problem = { part: Part; line: number; column: number; message: string };

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
  const draft: Draft = { channel: template.channel, name: template.name ?? "" };
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
  return document;
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
