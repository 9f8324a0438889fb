import { Alert, Anchor, Button, Stack, Text, TextInput } from "@mantine/core";
import { IconMailCheck } from "@tabler/icons-react";
import { useMutation } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { Link } from "react-router";
import { api, unwrap } from "../api/client";
import { ApiError, readable } from "../api/errors";
import { AuthLayout } from "./AuthLayout";
import { sentence } from "./sentence";

export default function ForgotPasswordPage() {
  const [email, setEmail] = useState("");
  const request = useMutation({
    mutationFn: (address: string) =>
      unwrap<{ message: string }>(api.POST("/api/v1/auth/password-reset", { body: { email: address } }) as never),
  });

  function submit(event: FormEvent) {
    event.preventDefault();
    request.mutate(email.trim());
  }

  const field = request.error instanceof ApiError ? request.error.field : null;
  return (
    <AuthLayout
      title="Reset your password"
      description="Enter the e-mail address you sign in with. We will send you a link to choose a new password."
    >
      {request.isSuccess ? (
        <Alert color="indigo" variant="light" icon={<IconMailCheck size={18} aria-hidden />} title="Check your inbox" role="status">
          If {request.variables} has a Baton account, a link to choose a new password is on its way. The link works for
          an hour.
        </Alert>
      ) : (
        <form onSubmit={submit} noValidate>
          <Stack>
            <TextInput
              label="E-mail"
              type="email"
              autoComplete="username"
              required
              autoFocus
              value={email}
              onChange={(e) => setEmail(e.currentTarget.value)}
              error={field === "email" ? sentence(readable(request.error)) : undefined}
            />
            {request.error && field !== "email" ? (
              <Text c="red.8" size="sm" role="alert">
                {sentence(readable(request.error))}
              </Text>
            ) : null}
            <Button type="submit" loading={request.isPending} fullWidth size="md" disabled={!email.trim()}>
              Send the link
            </Button>
          </Stack>
        </form>
      )}
      <Anchor component={Link} to="/login" size="sm" ta="center">
        Back to sign in
      </Anchor>
    </AuthLayout>
  );
}
