import "@mantine/core/styles.css";
import "@mantine/notifications/styles.css";
import { MantineProvider } from "@mantine/core";
import { Notifications } from "@mantine/notifications";
import { MutationCache, QueryCache, QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { App } from "./App";
import { cssVariables, theme } from "./theme";
import { ApiError } from "./api/errors";
import { ACCOUNT_QUERY } from "./auth/session";

/** A 401 from any request means the session has ended (expired, or signed out
 * elsewhere): asking who is signed in again lets SignedIn send the person to the login
 * page, with the page they were on as `next`. */
function whenSignedOut(error: Error): void {
  if (error instanceof ApiError && error.status === 401) {
    void queries.invalidateQueries({ queryKey: ACCOUNT_QUERY });
  }
}

const queries: QueryClient = new QueryClient({
  queryCache: new QueryCache({ onError: whenSignedOut }),
  mutationCache: new MutationCache({ onError: whenSignedOut }),
  defaultOptions: {
    queries: {
      // A 4xx answer will not change by asking again.
      retry: (count, error) => !(error instanceof ApiError && error.status < 500) && count < 2,
      refetchOnWindowFocus: false,
    },
  },
});

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <MantineProvider theme={theme} cssVariablesResolver={cssVariables} defaultColorScheme="light">
      <Notifications position="top-right" />
      <QueryClientProvider client={queries}>
        <App />
      </QueryClientProvider>
    </MantineProvider>
  </StrictMode>,
);
