import { Button, CopyButton, Group, TextInput } from "@mantine/core";

/** A secret the API shows only once (a new key, an invitation's link), to read or copy now. */
export function ShownOnce({ label, value, testId }: { label: string; value: string; testId: string }) {
  return (
    <Group gap="xs" wrap="nowrap">
      <TextInput aria-label={label} readOnly value={value} ff="monospace" style={{ flex: 1 }} data-testid={testId} onFocus={(event) => event.currentTarget.select()} />
      <CopyButton value={value}>
        {({ copied, copy }) => (
          <Button variant="default" onClick={copy} aria-label={copied ? "Copied" : `Copy ${label.toLowerCase()}`}>
            {copied ? "Copied" : "Copy"}
          </Button>
        )}
      </CopyButton>
    </Group>
  );
}
