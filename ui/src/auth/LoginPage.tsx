import { Anchor, Button, Center, Divider, Paper, PasswordInput, Stack, Text, TextInput, Title } from "@mantine/core";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { Navigate, useSearchParams } from "react-router";
import { api, unwrap, useCsrfToken } from "../api/client";
import { ApiError, readable } from "../api/errors";
import { ACCOUNT_QUERY, useAccount, type Account } from "./session";

type SingleSignOn = { enabled: boolean; name: string | null; login: string | null };

/** Where to land after signing in: only a path of this console, never another site. */
function landing(next: string | null): string {
  return next && next.startsWith("/") && !next.startsWith("//") ? next : "/";
}

export function LoginPage() {
  const [params] = useSearchParams();
  const next = landing(params.get("next"));
  const account = useAccount();
  const client = useQueryClient();
  const sso = useQuery({ queryKey: ["auth", "oidc"], queryFn: () => unwrap<SingleSignOn>(api.GET("/api/v1/auth/oidc") as never) });
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  if (account.data) return <Navigate to={next} replace />;

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const signed = await unwrap<Account>(api.POST("/api/v1/auth/login", { body: { email, password } }) as never);
      useCsrfToken(signed.csrf_token ?? null);
      client.setQueryData(ACCOUNT_QUERY, signed);
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  }

  const field = error instanceof ApiError ? error.field : null;
  return (
    <Center mih="100vh" bg="gray.0" p="md">
      <Paper component="main" withBorder shadow="sm" p="xl" radius="lg" w={400} maw="100%">
        <form onSubmit={submit} noValidate>
          <Stack>
            <div>
              <Title order={1} size="h2">
                Sign in to Baton
              </Title>
              <Text c="dimmed" size="sm">
                Customer journeys, profiles and results in one place.
              </Text>
            </div>
            <TextInput
              label="E-mail"
              type="email"
              autoComplete="username"
              required
              value={email}
              onChange={(e) => setEmail(e.currentTarget.value)}
              error={field === "email" ? readable(error) : undefined}
            />
            <PasswordInput
              label="Password"
              autoComplete="current-password"
              required
              value={password}
              onChange={(e) => setPassword(e.currentTarget.value)}
              error={field === "password" ? readable(error) : undefined}
            />
            {error && field !== "email" && field !== "password" ? (
              <Text c="red.8" size="sm" role="alert">
                {readable(error)}
              </Text>
            ) : null}
            <Button type="submit" loading={busy} fullWidth>
              Sign in
            </Button>
            {sso.data?.enabled && sso.data.login ? (
              <>
                <Divider label="or" labelPosition="center" />
                <Button component="a" variant="default" href={`${sso.data.login}?next=${encodeURIComponent(next)}`} fullWidth>
                  {sso.data.name}
                </Button>
              </>
            ) : null}
            <Anchor href="/forgot-password" size="sm" ta="center">
              Forgot your password?
            </Anchor>
          </Stack>
        </form>
      </Paper>
    </Center>
  );
}
