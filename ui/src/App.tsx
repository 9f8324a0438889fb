import { lazy, Suspense, type ReactNode } from "react";
import { createBrowserRouter, createRoutesFromElements, Navigate, Route, RouterProvider, useLocation } from "react-router";
import { LoginPage } from "./auth/LoginPage";
import { SessionProvider, useAccount } from "./auth/session";
import { RouteError } from "./shell/RouteError";
import { Shell } from "./shell/Shell";
import { ErrorNotice } from "./ui/ErrorNotice";
import { Loading } from "./ui/Loading";

// Each page is its own chunk: the shell loads first, the builder and charts when opened.
const HomePage = lazy(() => import("./home/HomePage"));
const JourneysPage = lazy(() => import("./journeys/JourneysPage"));
const JourneyPage = lazy(() => import("./journeys/JourneyPage"));
const ReadyJourneysPage = lazy(() => import("./journeys/ReadyJourneysPage"));
const ProfilesPage = lazy(() => import("./profiles/ProfilesPage"));
const ProfilePage = lazy(() => import("./profiles/ProfilePage"));
const SegmentsPage = lazy(() => import("./segments/SegmentsPage"));
const SegmentPage = lazy(() => import("./segments/SegmentPage"));
const ComputedTraitsPage = lazy(() => import("./segments/ComputedTraitsPage"));
const ComputedTraitPage = lazy(() => import("./segments/ComputedTraitPage"));
const PredictionsPage = lazy(() => import("./predictions/PredictionsPage"));
const PredictionPage = lazy(() => import("./predictions/PredictionPage"));
const BroadcastsPage = lazy(() => import("./broadcasts/BroadcastsPage"));
const BroadcastPage = lazy(() => import("./broadcasts/BroadcastPage"));
const PlacementsPage = lazy(() => import("./placements/PlacementsPage"));
const PlacementPage = lazy(() => import("./placements/PlacementPage"));
const TemplatesPage = lazy(() => import("./templates/TemplatesPage"));
const TemplatePage = lazy(() => import("./templates/TemplatePage"));
const IntegrationsPage = lazy(() => import("./integrations/IntegrationsPage"));
const SourcePage = lazy(() => import("./integrations/SourcePage"));
const DestinationPage = lazy(() => import("./integrations/DestinationPage"));
const AnalyticsPage = lazy(() => import("./analytics/AnalyticsPage"));
const SettingsPage = lazy(() => import("./settings/SettingsPage"));
const NotFoundPage = lazy(() => import("./shell/NotFoundPage"));
const ForgotPasswordPage = lazy(() => import("./auth/ForgotPasswordPage"));
const ResetPasswordPage = lazy(() => import("./auth/ResetPasswordPage"));
const InvitationPage = lazy(() => import("./auth/InvitationPage"));

function SignedIn({ children }: { children: ReactNode }) {
  const account = useAccount();
  const location = useLocation();
  if (account.isPending) return <Loading h="60vh" />;
  if (account.isError) return <ErrorNotice error={account.error} title="Baton cannot be reached" />;
  if (account.data === null) {
    const next = location.pathname + location.search;
    return <Navigate to={`/login?next=${encodeURIComponent(next)}`} replace />;
  }
  return <SessionProvider account={account.data}>{children}</SessionProvider>;
}

function page(element: ReactNode) {
  return <Suspense fallback={<Loading h="60vh" />}>{element}</Suspense>;
}

// A data router, so that a page can hold back any navigation away from it (useBlocker):
// links, back and forward alike.
const router = createBrowserRouter(
  createRoutesFromElements(
    // A page that throws or whose chunk fails to load shows a readable error, never the
    // router's developer page: inside the shell (navigation kept) when it is one of its pages.
    <Route errorElement={<RouteError fullPage />}>
      <Route path="/login" element={<LoginPage />} />
      {/* Signed out; the e-mailed links open the last two (baton/teams/links.py PAGES). */}
      <Route path="/forgot-password" element={page(<ForgotPasswordPage />)} />
      <Route path="/reset-password" element={page(<ResetPasswordPage />)} />
      <Route path="/invite" element={page(<InvitationPage />)} />
      <Route
        element={
          <SignedIn>
            <Shell />
          </SignedIn>
        }
      >
        <Route errorElement={<RouteError />}>
          <Route index element={page(<HomePage />)} />
          <Route path="journeys" element={page(<JourneysPage />)} />
          <Route path="journeys/:key" element={page(<JourneyPage />)} />
          <Route path="ready-journeys" element={page(<ReadyJourneysPage />)} />
          <Route path="profiles" element={page(<ProfilesPage />)} />
          <Route path="profiles/:id" element={page(<ProfilePage />)} />
          <Route path="segments" element={page(<SegmentsPage />)} />
          <Route path="segments/:key" element={page(<SegmentPage />)} />
          <Route path="computed-traits" element={page(<ComputedTraitsPage />)} />
          <Route path="computed-traits/:key" element={page(<ComputedTraitPage />)} />
          <Route path="predictions" element={page(<PredictionsPage />)} />
          <Route path="predictions/:key" element={page(<PredictionPage />)} />
          <Route path="broadcasts" element={page(<BroadcastsPage />)} />
          <Route path="broadcasts/:key" element={page(<BroadcastPage />)} />
          <Route path="placements" element={page(<PlacementsPage />)} />
          <Route path="placements/:key" element={page(<PlacementPage />)} />
          <Route path="templates" element={page(<TemplatesPage />)} />
          <Route path="templates/:key" element={page(<TemplatePage />)} />
          <Route path="analytics" element={page(<AnalyticsPage />)} />
          <Route path="integrations" element={page(<IntegrationsPage />)} />
          <Route path="integrations/sources/:key" element={page(<SourcePage />)} />
          <Route path="integrations/destinations/:key" element={page(<DestinationPage />)} />
          <Route path="settings" element={page(<SettingsPage />)} />
          <Route path="*" element={page(<NotFoundPage />)} />
        </Route>
      </Route>
    </Route>,
  ),
);

export function App() {
  return <RouterProvider router={router} />;
}
