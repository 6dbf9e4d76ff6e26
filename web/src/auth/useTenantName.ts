import { useAuth } from "./AuthContext";
import { useTenantTheme } from "./TenantContext";

export const PRODUCT_NAME = "FlowAI";

/** The tenant's display name: from the Host's theme, else the signed-in user's tenant. */
export function useTenantName(): string {
  const theme = useTenantTheme();
  const { user } = useAuth();
  return theme?.name || user?.tenant.name || PRODUCT_NAME;
}
