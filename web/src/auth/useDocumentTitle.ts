import { useEffect } from "react";
import { useTenantName } from "./useTenantName";

/** Sets `document.title` to "<page> · <tenant>" (or just the tenant name). */
export function useDocumentTitle(page?: string): void {
  const tenant = useTenantName();
  useEffect(() => {
    document.title = page ? `${page} · ${tenant}` : tenant;
  }, [page, tenant]);
}
