import { describe, expect, it } from "vitest";
import { grantableScopes } from "./ApiKeysPanel";

describe("grantableScopes", () => {
  const tenant = (slug: string) => ({ slug });
  it("offers a member no admin powers", () => {
    const scopes = grantableScopes({ role: "member", tenant: tenant("acme") });
    expect(scopes).toContain("read");
    expect(scopes).not.toContain("admin");
    expect(scopes).not.toContain("platform");
  });
  it("offers a tenant admin `admin` but not `platform`", () => {
    const scopes = grantableScopes({ role: "admin", tenant: tenant("acme") });
    expect(scopes).toContain("admin");
    expect(scopes).not.toContain("platform");
  });
  it("offers the platform's owner both", () => {
    const scopes = grantableScopes({ role: "owner", tenant: tenant("flowai") });
    expect(scopes).toEqual(expect.arrayContaining(["admin", "platform"]));
  });
});
