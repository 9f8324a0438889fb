import { capitalised } from "./text";

const LABELS: Record<string, string> = { email: "E-mail", sms: "SMS", push: "Push", inbox: "In-app inbox", chat: "Chat", task: "Task" };

/** "sms" → "SMS"; a channel this console does not know reads as its capitalised name. */
export function channelLabel(channel: string): string {
  return LABELS[channel] ?? capitalised(channel);
}

const NOUNS: Record<string, string> = { email: "e-mail", sms: "SMS", push: "push notification", inbox: "in-app message", chat: "chat message", task: "task" };

/** "email" → "e-mail": the channel as a word inside a sentence ("the e-mail “welcome”"). */
export function channelNoun(channel: string): string {
  return NOUNS[channel] ?? `${channel} message`;
}
