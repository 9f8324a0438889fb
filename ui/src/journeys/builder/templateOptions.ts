import type { Template } from "../../templates/api";

export type TemplateOption = { value: string; label: string };

/** The template choices of a message node: the loaded templates of its channel, and the
 * node's own template when it is not among them, marked "not found" only once every page
 * of templates is loaded (`complete`): until then it may be on a page not read yet. */
export function templateOptions(loaded: Template[], channel: string, chosen: string, complete: boolean): TemplateOption[] {
  const options = loaded
    .filter((template) => template.channel === channel)
    .map((template) => ({ value: template.key, label: template.name ? `${template.name} (${template.key})` : template.key }));
  if (chosen && !options.some((option) => option.value === chosen)) {
    options.push({ value: chosen, label: complete ? `${chosen} (not found)` : chosen });
  }
  return options;
}
