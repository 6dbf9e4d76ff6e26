import { Suspense, lazy } from "react";
import { Route, Routes } from "react-router";
import { AuthProvider } from "./auth/AuthContext";
import { RedirectIfSignedIn, RequireAuth, RootRedirect } from "./auth/RequireAuth";
import { TenantProvider } from "./auth/TenantContext";
import { Shell } from "./components/Shell";
import { DashboardPage } from "./pages/dashboard/DashboardPage";
import { AdminPage } from "./pages/admin/AdminPage";
import { EditorListPage } from "./pages/editor/EditorListPage";
import { LoginPage } from "./pages/LoginPage";
import { NotFoundPage } from "./pages/NotFoundPage";
import { SignupPage } from "./pages/SignupPage";
import { ForgotPasswordPage } from "./pages/account/ForgotPasswordPage";
import { InvitePage } from "./pages/account/InvitePage";
import { ResetPasswordPage } from "./pages/account/ResetPasswordPage";
import { OfferPage } from "./pages/shares/OfferPage";
import { SharesPage } from "./pages/shares/SharesPage";
import { VoicePage } from "./pages/voice/VoicePage";

/** The editor (with the Remotion player) loads on first visit, not with the app shell. */
const EditorPage = lazy(() => import("./pages/editor/EditorPage").then((m) => ({ default: m.EditorPage })));

/** All routes. The router itself (browser or memory) comes from the caller. */
export function AppRoutes() {
  return (
    <Routes>
      <Route index element={<RootRedirect />} />
      <Route element={<RedirectIfSignedIn />}>
        <Route path="login" element={<LoginPage />} />
        <Route path="signup" element={<SignupPage />} />
        <Route path="forgot-password" element={<ForgotPasswordPage />} />
      </Route>
      <Route path="reset-password" element={<ResetPasswordPage />} />
      <Route path="invite" element={<InvitePage />} />
      {/* an offer's public page: readable signed out (no redirect to login) */}
      <Route path="v/:offerId" element={<OfferPage />} />
      <Route element={<RequireAuth />}>
        <Route element={<Shell />}>
          <Route path="dashboard" element={<DashboardPage />} />
          <Route path="voice" element={<VoicePage />} />
          <Route path="editor" element={<EditorListPage />} />
          <Route path="editor/:projectId" element={<Suspense fallback={<p className="text-sm text-muted">Loading the editor…</p>}><EditorPage /></Suspense>} />
          <Route path="shares" element={<SharesPage />} />
          <Route path="admin" element={<AdminPage />} />
        </Route>
      </Route>
      <Route path="*" element={<NotFoundPage />} />
    </Routes>
  );
}

export function App() {
  return (
    <TenantProvider>
      <AuthProvider>
        <AppRoutes />
      </AuthProvider>
    </TenantProvider>
  );
}
