import { Alert, Badge, Button, Card, Checkbox, Group, Loader, Select, Stack, Text, Title } from "@mantine/core";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { fieldError } from "../api/errors";
import { useSession } from "../auth/session";
import { ConfirmAction } from "../ui/ConfirmAction";
import { roleLabel } from "../shell/roles";
import { ErrorNotice } from "../ui/ErrorNotice";
import { FormError } from "../ui/FormError";
import { formatInstant, timeAgo } from "../ui/format";
import { useCursorPages } from "../ui/pages";
import { ShownOnce } from "../ui/ShownOnce";
import { createKey, fetchKeys, revokeKey, type ApiKey, type MadeKey, type NewKey } from "./api";
import { isRole, ROLES, type Role } from "./roles";
import { SimpleTable } from "./SimpleTable";

const KINDS: Record<string, string> = { write: "Tracking (write)", admin: "Admin API" };
const EXPIRIES = [
  { value: "", label: "Never" },
  { value: "30d", label: "In 30 days" },
  { value: "90d", label: "In 90 days" },
  { value: "365d", label: "In a year" },
];

export function KeysTab() {
  const keys = useCursorPages(["keys"], fetchKeys);
  const client = useQueryClient();
  const [revoking, setRevoking] = useState<ApiKey | null>(null);
  if (keys.isError) return <ErrorNotice error={keys.error} title="Could not load the keys" />;
  if (keys.isPending) return <Loader aria-label="Loading the keys" />;
  return (
    <Stack gap="lg">
      <NewKeyForm />
      <SimpleTable
        title="Keys"
        description="Keys that send events to Baton or use its API. Only their last characters are shown: the key itself was shown once, when it was made."
        columns={["Kind", "Ends with", "Role", "Created", "Expires", "Last used", "Actions"]}
        rows={keys.items.map((key) => ({
          key: key.id,
          cells: [
            <>
              {KINDS[key.kind] ?? key.kind}
              {key.browser ? (
                <Badge key="browser" color="gray" ml={6}>
                  Browser
                </Badge>
              ) : null}
            </>,
            <Text key="hint" span ff="monospace" size="sm">
              …{key.hint}
            </Text>,
            key.role ? roleLabel(key.role) : "–",
            formatInstant(key.created_at),
            key.expires_at ? formatInstant(key.expires_at) : "Never",
            key.last_used_at ? timeAgo(key.last_used_at) : "Never",
            <Button key="revoke" size="xs" variant="default" color="red" onClick={() => setRevoking(key)} aria-label={`Revoke the key ending ${key.hint}`}>
              Revoke
            </Button>,
          ],
        }))}
        empty="This workspace has no keys."
        more={keys}
      />
      <ConfirmAction
        opened={revoking !== null}
        title={`Revoke the key ending …${revoking?.hint ?? ""}?`}
        confirmLabel="Revoke"
        color="red"
        onClose={() => setRevoking(null)}
        onConfirm={async () => {
          if (revoking) await revokeKey(revoking.id);
          await client.invalidateQueries({ queryKey: ["keys"] });
        }}
      >
        <Text size="sm">It stops working at once: whatever uses it is refused from now on. This cannot be undone.</Text>
      </ConfirmAction>
    </Stack>
  );
}

function NewKeyForm() {
  const client = useQueryClient();
  const { account } = useSession();
  const [kind, setKind] = useState<NewKey["kind"]>("admin");
  const mine = account.workspace?.role ?? "";
  const [role, setRole] = useState<Role>(isRole(mine) ? mine : "viewer");
  const [expiry, setExpiry] = useState("90d");
  const [browser, setBrowser] = useState(false);
  const [made, setMade] = useState<MadeKey | null>(null);
  const create = useMutation({
    mutationFn: () =>
      createKey({ kind, browser: kind === "write" && browser, ...(kind === "admin" ? { role } : {}), ...(expiry ? { expires_in: expiry } : {}) }),
    onSuccess: (key) => {
      setMade(key);
      void client.invalidateQueries({ queryKey: ["keys"] });
    },
  });
  return (
    <Card>
      <Title order={2} size="h4">
        Make a key
      </Title>
      <Text size="sm" c="dimmed" mb="sm">
        A write key sends events (the tracking API and SDKs); an admin key uses the API with a role no stronger than yours.
      </Text>
      <form
        noValidate
        aria-label="Make a key"
        onSubmit={(event) => {
          event.preventDefault();
          setMade(null);
          create.mutate();
        }}
      >
        <Group align="flex-end" wrap="wrap">
          <Select label="Kind" data={[{ value: "admin", label: KINDS.admin ?? "admin" }, { value: "write", label: KINDS.write ?? "write" }]} value={kind} allowDeselect={false} onChange={(value) => value && setKind(value as NewKey["kind"])} w={200} />
          {kind === "admin" ? <Select label="Role" data={ROLES} value={role} allowDeselect={false} onChange={(value) => value && isRole(value) && setRole(value)} error={fieldError(create.error, "role")} w={160} /> : null}
          <Select label="Expires" data={EXPIRIES} value={expiry} allowDeselect={false} onChange={(value) => setExpiry(value ?? "")} error={fieldError(create.error, "expires_in")} w={160} />
          {kind === "write" ? <Checkbox label="For web pages (browser key)" checked={browser} onChange={(e) => setBrowser(e.currentTarget.checked)} mb={8} /> : null}
          <Button type="submit" loading={create.isPending}>
            Make the key
          </Button>
        </Group>
        <FormError error={create.error} shownAt={["role", "expires_in"]} />
      </form>
      {made ? (
        <Alert mt="md" color="green" title="Copy the key now: it is shown only this once" role="status" withCloseButton closeButtonLabel="Hide the key" onClose={() => setMade(null)}>
          <ShownOnce label="The new key" value={made.key} testId="new-key" />
          {made.expiry_capped ? <Text size="sm" mt="xs">It expires with the key that made it.</Text> : null}
        </Alert>
      ) : null}
    </Card>
  );
}
