import { parseYamlValue, valueToYaml } from "../journeys/definition";
import type { Mapping, Preset } from "./sources";

/** A payload each preset's sender posts, in the shape its public documentation gives,
 * and the headers its mapping reads: the starting point of the "test on a sample" panel. */
export const SAMPLES: Record<Preset, { headers: Record<string, string>; payload: unknown }> = {
  shopify: {
    headers: { "X-Shopify-Topic": "orders/create" },
    payload: {
      id: 450789469,
      email: "jon@example.com",
      created_at: "2026-12-01T10:00:00-05:00",
      currency: "USD",
      total_price: "199.65",
      subtotal_price: "189.65",
      line_items: [{ product_id: 632910392, title: "IPod Nano - 8GB", price: "189.65", quantity: 1 }],
      customer: { id: 207119551, email: "jon@example.com" },
    },
  },
  stripe: {
    headers: {},
    payload: {
      id: "evt_3MtwBwLkdIwHu7ix28a3tqPa",
      type: "payment_intent.succeeded",
      created: 1764583200,
      data: { object: { id: "pi_3MtwBwLkdIwHu7ix28a3tqPa", customer: "cus_NffrFeUfNV2Hib", amount_received: 2000, currency: "usd", status: "succeeded", receipt_email: "jenny@example.com" } },
    },
  },
  zendesk: {
    headers: {},
    payload: {
      id: "cbe4028c-7239-495d-b020-f22348516046",
      type: "zen:event-type:ticket.created",
      time: "2026-03-02T09:00:00Z",
      detail: { id: "5158", requester_id: "8447388090494", subject: "Where is my order?", status: "OPEN", priority: "LOW", via: { channel: "web_form" } },
      event: {},
    },
  },
  twilio: {
    headers: {},
    payload: { MessageSid: "SM1f0e8ae6ade43cb3c0ce4525424e404f", From: "+36201234567", To: "+15005550006", Body: "STOP" },
  },
  generic: {
    headers: {},
    payload: { type: "signup", occurred_at: "2026-12-01T10:00:00Z", user: { id: "u-1001", email: "ana@example.com", plan: "pro" } },
  },
};

/** A generic source's first mapping, to change before saving. */
export const STARTING_MAPPING: Mapping = {
  verification: { scheme: "hmac_sha256", header: "X-Signature", encoding: "hex", prefix: "sha256=" },
  rules: [{ when: { "$.type": "signup" }, event: "Signed Up", user_id: "$.user.id", email: "$.user.email", timestamp: "$.occurred_at", properties: { plan: "$.user.plan" } }],
};

/** The test panel's text: the headers and the payload, as YAML a person edits. */
export function sampleText(preset: Preset): string {
  return valueToYaml(SAMPLES[preset]);
}

/** The headers and payload a sample's text holds, or why it does not hold them. */
export function readSample(text: string): { sample: { headers: Record<string, string>; payload: unknown } | null; error: string | null } {
  const { value, error } = parseYamlValue(text);
  if (error) return { sample: null, error: error.line ? `Line ${error.line}: ${error.message}` : error.message };
  if (typeof value !== "object" || value === null || !("payload" in value)) return { sample: null, error: "Write the payload under payload: (and any headers under headers:)." };
  const { headers = {}, payload } = value as { headers?: unknown; payload: unknown };
  if (typeof headers !== "object" || headers === null || Array.isArray(headers)) return { sample: null, error: "headers: is a mapping of header names to values." };
  const named = Object.fromEntries(Object.entries(headers).map(([name, given]) => [name, String(given)]));
  return { sample: { headers: named, payload }, error: null };
}
