import { useEffect, useState } from "react";
import { NavLink, Outlet, useLocation, useNavigate } from "react-router";
import { useAuth } from "../auth/AuthContext";
import { useFeatureVisible } from "../auth/useFeatures";
import { Button } from "./Button";
import { FilmIcon, HomeIcon, LogoutIcon, MicIcon, PieIcon, ShieldIcon } from "./Icons";
import { Logo } from "./Logo";

/** `feature`: hidden when the tenant switched that feature off (GET /v1/tenant/theme). */
export const NAV_ITEMS = [
  { to: "/dashboard", label: "Dashboard", icon: HomeIcon, feature: null },
  { to: "/voice", label: "Voice", icon: MicIcon, feature: "voice" },
  { to: "/editor", label: "Editor", icon: FilmIcon, feature: "editor" },
  { to: "/shares", label: "Shares", icon: PieIcon, feature: "shares" },
  { to: "/admin", label: "Admin", icon: ShieldIcon, feature: "admin" },
] as const;

function initials(name: string): string {
  const parts = name.trim().split(/\s+/).filter(Boolean);
  return (parts.length > 1 ? parts[0][0] + parts[parts.length - 1][0] : (parts[0] ?? "?").slice(0, 2)).toUpperCase();
}

/** The signed-in app frame: side navigation, a header with the user and logout, the page. */
export function Shell() {
  const { user, logout } = useAuth();
  const visible = useFeatureVisible();
  const navigate = useNavigate();
  const [leaving, setLeaving] = useState(false);
  // below `lg` the side navigation is a drawer behind the header's menu button
  const [menuOpen, setMenuOpen] = useState(false);
  const location = useLocation();
  useEffect(() => setMenuOpen(false), [location.pathname]);
  useEffect(() => {
    if (!menuOpen) return;
    const onKey = (e: KeyboardEvent) => e.key === "Escape" && setMenuOpen(false);
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [menuOpen]);

  const onLogout = async () => {
    setLeaving(true);
    try {
      await logout();
    } finally {
      setLeaving(false);
      navigate("/login", { replace: true });
    }
  };

  return (
    <div className="flex min-h-screen">
      <a
        href="#main"
        className="sr-only focus:not-sr-only focus:fixed focus:left-4 focus:top-4 focus:z-50 focus:rounded-lg focus:bg-surface focus:px-4 focus:py-2"
      >
        Skip to content
      </a>
      {menuOpen && (
        <div aria-hidden="true" className="fixed inset-0 z-30 bg-background/70 backdrop-blur-sm lg:hidden" onClick={() => setMenuOpen(false)} />
      )}
      <aside
        id="side-nav"
        className={`${menuOpen ? "fixed inset-y-0 left-0 z-40 flex" : "hidden"} w-64 shrink-0 border-r border-text/10 bg-surface lg:static lg:flex lg:bg-surface/60`}
      >
        <div className="sticky top-0 flex h-screen w-full flex-col px-4 py-5">
          <div className="px-2">
            <Logo />
          </div>
          <nav aria-label="Main" className="mt-8 flex flex-1 flex-col gap-1">
            {NAV_ITEMS.filter((item) => item.feature === null || visible(item.feature)).map(({ to, label, icon: IconC }) => (
              <NavLink
                key={to}
                to={to}
                className={({ isActive }) =>
                  `group flex items-center gap-3 rounded-lg px-3 py-2 text-sm font-medium transition ${
                    isActive
                      ? "bg-primary/15 text-text ring-1 ring-inset ring-primary/30"
                      : "text-muted hover:bg-text/5 hover:text-text"
                  }`
                }
              >
                {({ isActive }) => (
                  <>
                    <IconC className={`size-4.5 ${isActive ? "text-primary" : ""}`} />
                    {label}
                  </>
                )}
              </NavLink>
            ))}
          </nav>
          {user && (
            <div className="rounded-lg border border-text/10 bg-background/40 px-3 py-2.5 text-xs">
              <p className="text-muted">Workspace</p>
              <p className="mt-0.5 truncate font-medium text-text">{user.tenant.name}</p>
            </div>
          )}
        </div>
      </aside>

      <div className="flex min-w-0 flex-1 flex-col">
        <header className="sticky top-0 z-20 flex h-16 items-center justify-end gap-3 border-b border-text/10 bg-background/80 px-4 backdrop-blur sm:gap-4 sm:px-8">
          <button
            type="button"
            className="mr-auto grid size-9 place-items-center rounded-lg border border-text/15 text-text hover:bg-text/5 lg:hidden"
            aria-label={menuOpen ? "Close menu" : "Open menu"}
            aria-expanded={menuOpen}
            aria-controls="side-nav"
            onClick={() => setMenuOpen((open) => !open)}
          >
            <svg aria-hidden="true" viewBox="0 0 24 24" className="size-5" fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round">
              {menuOpen ? <path d="M6 6l12 12M18 6L6 18" /> : <path d="M4 7h16M4 12h16M4 17h16" />}
            </svg>
          </button>
          {user && (
            <div className="flex min-w-0 items-center gap-3">
              <div className="hidden min-w-0 text-right leading-tight sm:block">
                <p className="text-sm font-medium text-text">{user.display_name}</p>
                <p className="text-xs text-muted">{user.email}</p>
              </div>
              {user.avatar_url ? (
                <img src={user.avatar_url} alt="" className="size-9 rounded-full object-cover" />
              ) : (
                <span
                  aria-hidden="true"
                  className="grid size-9 place-items-center rounded-full bg-linear-to-br from-primary to-secondary text-xs font-semibold text-on-primary"
                >
                  {initials(user.display_name)}
                </span>
              )}
            </div>
          )}
          <Button variant="secondary" size="sm" onClick={onLogout} busy={leaving}>
            {!leaving && <LogoutIcon className="size-4" />}
            Log out
          </Button>
        </header>
        <main id="main" className="mx-auto w-full min-w-0 max-w-7xl flex-1 px-4 py-6 sm:px-8 sm:py-8">
          <Outlet />
        </main>
      </div>
    </div>
  );
}
