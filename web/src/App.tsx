import { Route, Routes } from "react-router";
import { AuthProvider } from "./auth/AuthContext";
import { RedirectIfSignedIn, RequireAuth, RootRedirect } from "./auth/RequireAuth";
import { TenantProvider } from "./auth/TenantContext";
import { Shell } from "./components/Shell";
import { DashboardPage } from "./pages/dashboard/DashboardPage";
import { AdminPage } from "./pages/admin/AdminPage";
import { FeaturePage } from "./pages/FeaturePage";
import { LoginPage } from "./pages/LoginPage";
import { NotFoundPage } from "./pages/NotFoundPage";
import { SignupPage } from "./pages/SignupPage";
import { SharesPage } from "./pages/shares/SharesPage";

/** All routes. The router itself (browser or memory) comes from the caller. */
export function AppRoutes() {
  return (
    <Routes>
      <Route index element={<RootRedirect />} />
      <Route element={<RedirectIfSignedIn />}>
        <Route path="login" element={<LoginPage />} />
        <Route path="signup" element={<SignupPage />} />
      </Route>
      <Route element={<RequireAuth />}>
        <Route element={<Shell />}>
          <Route path="dashboard" element={<DashboardPage />} />
          <Route path="voice" element={<FeaturePage feature="voice" />} />
          <Route path="editor" element={<FeaturePage feature="editor" />} />
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
