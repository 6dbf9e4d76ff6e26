import { useAuth } from "./AuthContext";
import { useTenantTheme } from "./TenantContext";

export function isAdminRole(role: string | undefined | null): boolean {
  return role === "admin" || role === "owner";
}

/**
 * Whether a premium feature shows in the navigation and on the dashboard: what the tenant
 * switched on (GET /v1/tenant/theme → features). Until the theme is known, everything shows.
 * Admin stays visible to admins and owners even when switched off, or they could never switch
 * it back on; it only hides the page from members.
 */
export function useFeatureVisible(): (feature: string) => boolean {
  const theme = useTenantTheme();
  const { user } = useAuth();
  const features = theme?.features;
  return (feature) => {
    if (!features) return true;
    if (features.includes(feature)) return true;
    return feature === "admin" && isAdminRole(user?.role);
  };
}
