/** How an SMS body travels: GSM-7 when every character is in the GSM 03.38 alphabet
 * (its extension characters take two units), else UCS-2 (UTF-16 code units). A long
 * message is split into segments that each lose room to the concatenation header. */

const BASIC =
  "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
const EXTENSION = "^{}\\[~]|€\f";

const GSM_BASIC = new Set(BASIC);
const GSM_EXTENSION = new Set(EXTENSION);

export type Encoding = "GSM-7" | "UCS-2";

export type SmsSize = {
  encoding: Encoding;
  /** Characters as a person counts them (code points). */
  characters: number;
  /** Units of the encoding: septets for GSM-7, UTF-16 code units for UCS-2. */
  units: number;
  segments: number;
  /** The units one segment holds at this length: 160 or 153 (GSM-7), 70 or 67 (UCS-2). */
  perSegment: number;
  /** The characters outside GSM-7 that make the message UCS-2, each once. */
  unicode: string[];
};

const LIMITS: Record<Encoding, { single: number; multi: number }> = {
  "GSM-7": { single: 160, multi: 153 },
  "UCS-2": { single: 70, multi: 67 },
};

function unitsOf(character: string, encoding: Encoding): number {
  if (encoding === "UCS-2") return character.length;
  return GSM_EXTENSION.has(character) ? 2 : 1;
}

/** The encoding, length and segment count of an SMS body. */
export function smsSize(body: string): SmsSize {
  const characters = [...body];
  const unicode = [...new Set(characters.filter((c) => !GSM_BASIC.has(c) && !GSM_EXTENSION.has(c)))];
  const encoding: Encoding = unicode.length ? "UCS-2" : "GSM-7";
  const sizes = characters.map((character) => unitsOf(character, encoding));
  const units = sizes.reduce((sum, size) => sum + size, 0);
  const { single, multi } = LIMITS[encoding];
  if (units <= single) return { encoding, characters: characters.length, units, segments: units ? 1 : 0, perSegment: single, unicode };
  // A two-unit character (an escaped GSM-7 one, a surrogate pair) is never split across segments.
  let segments = 1;
  let used = 0;
  for (const size of sizes) {
    if (used + size > multi) {
      segments += 1;
      used = 0;
    }
    used += size;
  }
  return { encoding, characters: characters.length, units, segments, perSegment: multi, unicode };
}
