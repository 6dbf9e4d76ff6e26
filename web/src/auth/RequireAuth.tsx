import { Navigate, Outlet, useLocation } from "react-router";
import { FullPageError, FullPageSpinner } from "../components/FullPage";
import { useAuth } from "./AuthContext";

/** App pages: signed-out visitors go to /login, which sends them back here afterwards. */
export function RequireAuth() {
  const { state, reload } = useAuth();
  const location = useLocation();
  if (state.status === "loading") return <FullPageSpinner />;
  if (state.status === "error") return <FullPageError error={state.error} onRetry={reload} />;
  if (state.status === "signed-out") {
    const from = location.pathname + location.search + location.hash;
    return <Navigate to="/login" replace state={{ from }} />;
  }
  return <Outlet />;
}

/** Where to go after signing in: the page that sent the visitor to /login, if it is one of ours. */
export function useReturnTo(): string {
  const location = useLocation();
  const from = (location.state as { from?: unknown } | null)?.from;
  return typeof from === "string" && from.startsWith("/") && !from.startsWith("//") && !from.startsWith("/login")
    ? from
    : "/dashboard";
}

/** Login/signup: a signed-in visitor has nothing to do there (this also moves on after login). */
export function RedirectIfSignedIn() {
  const { state } = useAuth();
  const returnTo = useReturnTo();
  if (state.status === "loading") return <FullPageSpinner />;
  if (state.status === "signed-in") return <Navigate to={returnTo} replace />;
  return <Outlet />;
}

/** `/`: the dashboard for a signed-in visitor, the login page otherwise. */
export function RootRedirect() {
  const { state, reload } = useAuth();
  if (state.status === "loading") return <FullPageSpinner />;
  if (state.status === "error") return <FullPageError error={state.error} onRetry={reload} />;
  return <Navigate to={state.status === "signed-in" ? "/dashboard" : "/login"} replace />;
}
