/** Words as people read them: the API and the definitions speak in lower case and snake_case. */

/** "awareness" → "Awareness". */
export function capitalised(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** "send_at_most" → "Send at most". */
export function spaced(name: string): string {
  return capitalised(name.replaceAll("_", " "));
}

/** An API message ("this link is not valid") as a sentence: capitalised, with a stop. */
export function sentence(text: string): string {
  const trimmed = text.trim();
  if (!trimmed) return trimmed;
  const capital = capitalised(trimmed);
  return /[.!?]$/.test(capital) ? capital : `${capital}.`;
}
