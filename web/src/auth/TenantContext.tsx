import { createContext, useContext, useEffect, useState } from "react";
import type { ReactNode } from "react";
import { getTenantTheme } from "../api/endpoints";
import type { TenantTheme } from "../api/types";

/**
 * The tenant of this Host (GET /v1/tenant/theme). Colours, font and logo already arrive as CSS
 * variables through /theme.css; this gives the tenant's name for the logo label and the title.
 */
const TenantContext = createContext<TenantTheme | null>(null);

export function TenantProvider({ children }: { children: ReactNode }) {
  const [theme, setTheme] = useState<TenantTheme | null>(null);
  useEffect(() => {
    const controller = new AbortController();
    getTenantTheme(controller.signal).then(setTheme, () => {
      /* the shell still works with the user's tenant name or the product name */
    });
    return () => controller.abort();
  }, []);
  return <TenantContext.Provider value={theme}>{children}</TenantContext.Provider>;
}

export function useTenantTheme(): TenantTheme | null {
  return useContext(TenantContext);
}
