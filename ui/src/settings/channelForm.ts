/** The provider settings of each channel as the console edits them (baton/channels/settings.py). */

export type Field = {
  name: string;
  label: string;
  kind: "text" | "secret" | "number" | "switch" | "select";
  options?: string[];
  description?: string;
  required?: boolean;
  /** What a new channel's form starts with (the API's default). */
  initial?: string;
  /** What a valid value looks like, for a value the API finds malformed. */
  example?: string;
};

/** What the API shows in place of a secret. */
export const MASK = "********";

const RATE: Field = { name: "rate", label: "Messages per second at most", kind: "number", description: "Empty: no limit." };
const TIMEOUT: Field = { name: "timeout", label: "Time-out", kind: "text", description: "At most 60s.", initial: "10s" };
const api = (initial: string): Field => ({ name: "api_url", label: "API address", kind: "text", initial, example: initial });
const SIGNING: Field = { name: "secret", label: "Signing secret", kind: "secret", description: "Generated when left empty." };

export const CHANNEL_FIELDS: Record<string, Field[]> = {
  email: [
    { name: "url", label: "SMTP server", kind: "text", required: true, description: "smtp://user:password@host:port; the password shows masked.", example: "smtp://user:password@smtp.example.com:587" },
    { name: "security", label: "Security", kind: "select", options: ["starttls", "tls", "none"], initial: "starttls" },
    { name: "sender", label: "Sender", kind: "text", required: true, description: "Acme <news@acme.example>" },
    { name: "links_url", label: "Address of Baton for links", kind: "text", required: true, description: "Where recipients' mail clients reach unsubscribe, open and click links.", example: "https://baton.example.com" },
    { name: "link_lifetime", label: "Links expire after", kind: "text", initial: "60d" },
    { name: "tracking", label: "Record opens and clicks", kind: "switch" },
    { name: "link_secret", label: "Link secret", kind: "secret" },
    { name: "feedback_secret", label: "Bounce report token", kind: "secret" },
    RATE,
  ],
  sms: [
    api("https://api.twilio.com"),
    { name: "account_sid", label: "Account SID", kind: "text", required: true },
    { name: "auth_token", label: "Auth token", kind: "secret", required: true },
    { name: "sender", label: "Sender number or service id", kind: "text", required: true },
    { name: "callbacks_url", label: "Address of Baton for receipts", kind: "text", example: "https://baton.example.com" },
    { name: "default_region", label: "Default country (2 letters)", kind: "text", initial: "US", example: "US" },
    TIMEOUT,
    RATE,
  ],
  push: [
    api("https://fcm.googleapis.com"),
    { name: "project_id", label: "Firebase project id", kind: "text", required: true },
    { name: "access_token", label: "Access token", kind: "secret", required: true },
    TIMEOUT,
    RATE,
  ],
  chat: [
    api("https://api.telegram.org"),
    { name: "bot_token", label: "Bot token", kind: "secret", required: true },
    { name: "chat_id_trait", label: "Trait holding the chat id", kind: "text", initial: "telegramChatId" },
    TIMEOUT,
    RATE,
  ],
  webhook: [SIGNING, TIMEOUT, RATE],
  task: [{ name: "url", label: "CRM webhook address", kind: "text", required: true, example: "https://crm.example.com/hooks/baton" }, SIGNING, TIMEOUT, RATE],
};

/** A form's values: text as typed, switches as booleans; a secret's value is empty until a new one is typed. */
export type ChannelValues = Record<string, string | boolean>;

export function valuesOf(channel: string, shown: Record<string, unknown> | undefined): ChannelValues {
  const values: ChannelValues = {};
  for (const field of CHANNEL_FIELDS[channel] ?? []) {
    const value = shown === undefined ? field.initial : shown[field.name];
    if (field.kind === "secret") values[field.name] = "";
    else if (field.kind === "switch") values[field.name] = value === undefined ? true : value === true;
    else values[field.name] = value === undefined || value === null ? "" : String(value);
  }
  return values;
}

/** The body of the PUT: what the API showed (fields the form does not edit, such as
 * `allow`, are kept), with the form's values over it. A secret left empty is left out,
 * so that the stored one is kept; an empty optional field is left out for its default. */
export function bodyOf(channel: string, shown: Record<string, unknown> | undefined, values: ChannelValues): Record<string, unknown> {
  const { channel: _channel, retired: _retired, ...body } = shown ?? {};
  for (const field of CHANNEL_FIELDS[channel] ?? []) {
    const value = values[field.name];
    delete body[field.name];
    if (field.kind === "switch") body[field.name] = value === true;
    else if (typeof value === "string" && value.trim() !== "") body[field.name] = field.kind === "number" ? Number(value) : value.trim();
  }
  return body;
}

/** The API's complaint about a field in words: a value not of the expected shape says
 * what one looks like, rather than the pattern it failed. */
export function complaint(field: Field, message: string): string {
  if (field.example && /should match pattern/i.test(message)) return `${field.label} must look like ${field.example}.`;
  return message;
}
