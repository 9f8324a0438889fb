import { Alert, Anchor, Button, Stack, Text, TextInput } from "@mantine/core";
import { IconLinkOff } from "@tabler/icons-react";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { Link, useNavigate, useSearchParams } from "react-router";
import { api, unwrap, useCsrfToken } from "../api/client";
import { fieldError } from "../api/errors";
import { FormError } from "../ui/FormError";
import { AuthLayout } from "./AuthLayout";
import { NewPasswordFields } from "./NewPasswordFields";
import { ACCOUNT_QUERY, type Account } from "./session";

/** Where the e-mailed invitation opens (baton/teams/links.py PAGES): `/invite?token=…`.
 * A new address becomes a user with the password chosen here; an address that has an
 * account joins with that account's password. Either way the person is signed in. */
export default function InvitationPage() {
  const [params] = useSearchParams();
  const token = params.get("token") ?? "";
  const client = useQueryClient();
  const navigate = useNavigate();
  const [name, setName] = useState("");
  const [password, setPassword] = useState("");
  const [repeated, setRepeated] = useState("");
  const [mismatch, setMismatch] = useState(false);
  const accept = useMutation({
    mutationFn: () =>
      unwrap<Account>(api.POST("/api/v1/auth/invitation", { body: { token, password, name: name.trim() } })),
    onSuccess: async (signed) => {
      useCsrfToken(signed.csrf_token ?? null);
      client.setQueryData(ACCOUNT_QUERY, signed);
      // The answer names the person's first workspace, the session is in the one joined:
      // asked again once the console opens.
      await client.invalidateQueries({ queryKey: ACCOUNT_QUERY });
      navigate("/", { replace: true });
    },
  });

  function submit(event: FormEvent) {
    event.preventDefault();
    const differ = password !== repeated;
    setMismatch(differ);
    if (!differ) accept.mutate();
  }

  const error = accept.error;
  const tokenError = fieldError(error, "token");
  if (!token || tokenError) {
    return (
      <AuthLayout title="This invitation does not work">
        <Alert color="orange" variant="light" icon={<IconLinkOff size={18} aria-hidden />} role="alert">
          {tokenError ?? "The link is incomplete: open it again from the e-mail."} Ask
          the person who invited you to send a new invitation.
        </Alert>
        <Anchor component={Link} to="/login" size="sm" ta="center">
          Go to sign in
        </Anchor>
      </AuthLayout>
    );
  }
  return (
    <AuthLayout
      title="Join your team on Baton"
      description="You were invited to a Baton workspace. Accept to join it and sign in."
    >
      <form onSubmit={submit} noValidate>
        <Stack>
          <TextInput
            label="Your name"
            description="How your colleagues see you. Leave it empty if you already have a Baton account."
            autoComplete="name"
            value={name}
            onChange={(e) => setName(e.currentTarget.value)}
            error={fieldError(error, "name")}
          />
          <NewPasswordFields
            label="Password"
            password={password}
            repeated={repeated}
            onPassword={setPassword}
            onRepeated={setRepeated}
            error={fieldError(error, "password")}
            mismatch={mismatch}
          />
          <Text size="xs" c="dimmed">
            Already have a Baton account with this address? Use its password instead.
          </Text>
          <FormError error={error} shownAt={["password", "name"]} />
          <Button type="submit" loading={accept.isPending} fullWidth size="md" disabled={!password || !repeated}>
            Accept and join
          </Button>
        </Stack>
      </form>
    </AuthLayout>
  );
}
