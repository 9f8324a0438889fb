import { capitalised } from "./text";

const LABELS: Record<string, string> = { email: "E-mail", sms: "SMS", push: "Push", inbox: "In-app inbox", chat: "Chat", task: "Task" };

/** "sms" → "SMS"; a channel this console does not know reads as its capitalised name. */
export function channelLabel(channel: string): string {
  return LABELS[channel] ?? capitalised(channel);
}
