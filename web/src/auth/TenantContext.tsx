import { createContext, useCallback, useContext, useEffect, useMemo, useState } from "react";
import type { ReactNode } from "react";
import { getTenantTheme } from "../api/endpoints";
import type { TenantTheme } from "../api/types";
import { setFavicon } from "../lib/theme";

/**
 * The tenant of this Host (GET /v1/tenant/theme). Colours, font (an uploaded one as @font-face)
 * and logo already arrive as CSS variables through /theme.css; this gives the tenant's name for
 * the logo label and the title, the premium features its users see, and the versioned favicon URL
 * (index.html's unversioned /v1/tenant/favicon is swapped for it, so a new favicon shows at once).
 */
interface TenantContextValue {
  theme: TenantTheme | null;
  /** Fetch the theme again (after an admin changed the brand). */
  reload(): Promise<void>;
}

const TenantContext = createContext<TenantContextValue>({ theme: null, reload: async () => {} });

export function TenantProvider({ children }: { children: ReactNode }) {
  const [theme, setTheme] = useState<TenantTheme | null>(null);

  const reload = useCallback(async (signal?: AbortSignal) => {
    try {
      setTheme(await getTenantTheme(signal));
    } catch {
      /* the shell still works with the user's tenant name or the product name */
    }
  }, []);

  useEffect(() => {
    const controller = new AbortController();
    void reload(controller.signal);
    return () => controller.abort();
  }, [reload]);

  const favicon = theme?.favicon_url;
  useEffect(() => {
    if (favicon) setFavicon(favicon);
  }, [favicon]);

  const value = useMemo(() => ({ theme, reload: () => reload() }), [theme, reload]);
  return <TenantContext.Provider value={value}>{children}</TenantContext.Provider>;
}

export function useTenantTheme(): TenantTheme | null {
  return useContext(TenantContext).theme;
}

export function useReloadTenantTheme(): () => Promise<void> {
  return useContext(TenantContext).reload;
}
