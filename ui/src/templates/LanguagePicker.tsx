import { ActionIcon, Button, Group, SegmentedControl, Stack, Text, TextInput } from "@mantine/core";
import { IconPlus, IconTrash } from "@tabler/icons-react";
import { useState } from "react";
import { LOCALE_CODE, withLocale, type Draft, type Problem } from "./draft";

type Props = {
  draft: Draft;
  /** The language edited: null for the template's own parts. */
  locale: string | null;
  onLocale: (locale: string | null) => void;
  onDraft: (draft: Draft) => void;
  problems: readonly Problem[];
  editable: boolean;
};

const OWN = "-";

/** Which language's parts the editor shows: the template's own, or a variant of `locales`
 * that a profile's `locale` trait picks; languages are added and removed here. */
export function LanguagePicker({ draft, locale, onLocale, onDraft, problems, editable }: Props) {
  const [adding, setAdding] = useState("");
  const codes = Object.keys(draft.locales ?? {}).sort();
  const faulty = (code: string) => problems.some((problem) => problem.part.startsWith(`locales.${code}.`));
  const typed = adding.trim();
  const problem = typed && !LOCALE_CODE.test(typed) ? "A code like hu, pl or pt-BR" : typed && codes.includes(typed) ? "It has this language already" : undefined;

  function add() {
    if (!typed || problem) return;
    onDraft(withLocale(draft, typed, true));
    onLocale(typed);
    setAdding("");
  }

  return (
    <Stack gap={6}>
      <Text size="sm" fw={500} id="template-language">
        Language
      </Text>
      <Group gap="xs" align="flex-start">
        <SegmentedControl
          aria-labelledby="template-language"
          value={locale ?? OWN}
          onChange={(value) => onLocale(value === OWN ? null : value)}
          data={[{ value: OWN, label: "Default" }, ...codes.map((code) => ({ value: code, label: faulty(code) ? `${code} (mistakes)` : code }))]}
          data-testid="template-languages"
        />
        {editable && locale ? (
          <ActionIcon
            variant="subtle"
            color="red"
            size="lg"
            aria-label={`Remove the language ${locale}`}
            onClick={() => {
              onDraft(withLocale(draft, locale, false));
              onLocale(null);
            }}
          >
            <IconTrash size={16} aria-hidden />
          </ActionIcon>
        ) : null}
        {editable ? (
          <Group gap={4} align="flex-start">
            <TextInput
              aria-label="New language code"
              placeholder="hu"
              size="sm"
              w={110}
              value={adding}
              error={problem}
              onChange={(event) => setAdding(event.currentTarget.value)}
              onKeyDown={(event) => event.key === "Enter" && add()}
            />
            <Button variant="default" leftSection={<IconPlus size={14} aria-hidden />} disabled={!typed || Boolean(problem)} onClick={add}>
              Add a language
            </Button>
          </Group>
        ) : null}
      </Group>
      <Text size="xs" c="gray.7">
        {locale
          ? `Sent to profiles whose locale trait is ${locale} (or falls back to it). A part left empty sends the default's.`
          : "Sent to everyone whose language has no variant of its own."}
      </Text>
    </Stack>
  );
}
