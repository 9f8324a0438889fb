import { Button, Group, Modal, Stack, TextInput } from "@mantine/core";
import { useState, type FormEvent, type ReactNode } from "react";
import { fieldError, isNotFound } from "../api/errors";
import { FormError } from "./FormError";
import type { KeyRule } from "./keys";

type Props = {
  opened: boolean;
  onClose: () => void;
  /** "segment", "template": says what is made, in the title and when the key is taken. */
  noun: string;
  namePlaceholder: string;
  keyDescription: string;
  rule: KeyRule;
  /** Resolves when something already has the key; rejects with a not-found error when it is free. */
  find: (key: string) => Promise<unknown>;
  /** Goes on with a free key: opens the editor, or saves a first version. */
  onFree: (key: string, name: string) => Promise<unknown> | void;
  submitLabel: string;
  /** More fields that what is made needs. */
  children?: ReactNode;
};

/** Names something new and chooses its key (made from the name until one is typed),
 * checking that nothing has that key yet. */
export function NewItemModal({ opened, onClose, noun, namePlaceholder, keyDescription, rule, find, onFree, submitLabel, children }: Props) {
  const [name, setName] = useState("");
  const [typedKey, setTypedKey] = useState<string | null>(null);
  const [keyError, setKeyError] = useState<string | null>(null);
  const [failure, setFailure] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const key = typedKey ?? rule.fromName(name);

  async function submit(form: FormEvent) {
    form.preventDefault();
    setFailure(null);
    if (!rule.pattern.test(key)) {
      setKeyError(rule.hint);
      return;
    }
    setBusy(true);
    try {
      const taken = await find(key).then(
        () => true,
        (error: unknown) => (isNotFound(error) ? false : Promise.reject(error)),
      );
      if (taken) setKeyError(`A ${noun} with this key already exists. Pick another key.`);
      else await onFree(key, name.trim());
    } catch (error) {
      setFailure(error);
    } finally {
      setBusy(false);
    }
  }

  return (
    <Modal opened={opened} onClose={onClose} title={`New ${noun}`}>
      <form onSubmit={(form) => void submit(form)}>
        <Stack>
          <TextInput
            label="Name"
            placeholder={namePlaceholder}
            required
            maxLength={200}
            value={name}
            data-autofocus
            onChange={(e) => {
              setName(e.currentTarget.value);
              setKeyError(null);
            }}
          />
          <TextInput
            label="Key"
            description={keyDescription}
            required
            value={key}
            error={keyError ?? fieldError(failure, "key")}
            onChange={(e) => {
              setTypedKey(e.currentTarget.value);
              setKeyError(null);
            }}
          />
          {children}
          <FormError error={failure} shownAt={["key"]} />
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" loading={busy}>
              {submitLabel}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
