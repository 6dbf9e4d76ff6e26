import { useEffect, useState } from "react";
import type { FormEvent } from "react";
import { Link, useNavigate, useSearchParams } from "react-router";
import { ApiError } from "../../api/client";
import { acceptInvite, lookupInvite } from "../../api/endpoints";
import type { InviteInfo } from "../../api/types";
import { useAuth } from "../../auth/AuthContext";
import { useDocumentTitle } from "../../auth/useDocumentTitle";
import { Button } from "../../components/Button";
import { Field, FormAlert } from "../../components/Field";
import { AuthLayout } from "../AuthLayout";
import { MIN_PASSWORD } from "./ResetPasswordPage";

/** `/invite?token=…`: join the workspace an admin invited you to (a new account, or sign in to yours). */
export function InvitePage() {
  useDocumentTitle("Accept invitation");
  const [params] = useSearchParams();
  const token = params.get("token") ?? "";
  const { reload } = useAuth();
  const navigate = useNavigate();
  const [invite, setInvite] = useState<InviteInfo | null>(null);
  const [loadError, setLoadError] = useState<string | null>(token ? null : "The link has no token: open the link from the email again.");
  const [name, setName] = useState("");
  const [password, setPassword] = useState("");
  const [errors, setErrors] = useState<Partial<Record<"password" | "name" | "form", string>>>({});
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    if (!token) return;
    let live = true;
    lookupInvite(token).then(
      (info) => live && setInvite(info),
      (err: unknown) => live && setLoadError(err instanceof ApiError ? (err.fieldErrors.token ?? err.detail) : String(err)),
    );
    return () => {
      live = false;
    };
  }, [token]);

  const onSubmit = async (event: FormEvent) => {
    event.preventDefault();
    if (!invite) return;
    const next: typeof errors = {};
    if (!invite.account_exists && password.length < MIN_PASSWORD) next.password = `Use at least ${MIN_PASSWORD} characters.`;
    if (invite.account_exists && !password) next.password = "Enter the password of your account.";
    setErrors(next);
    if (Object.keys(next).length) return;
    setBusy(true);
    try {
      await acceptInvite({ token, password, display_name: name.trim() || undefined });
      await reload();
      navigate("/dashboard", { replace: true });
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      setErrors({
        password: err.fieldErrors.password ?? (err.status === 401 ? err.detail : undefined),
        form: err.status === 401 || err.fieldErrors.password ? undefined : (err.fieldErrors.token ?? err.detail),
      });
    } finally {
      setBusy(false);
    }
  };

  const role = invite?.role === "admin" ? "an admin" : "a member";
  return (
    <AuthLayout
      title={invite ? `Join ${invite.workspace}` : "Accept invitation"}
      subtitle={invite ? `You are invited as ${role}.` : "Checking your invitation…"}
      footer={
        <>
          Already a member?{" "}
          <Link to="/login" className="font-medium text-primary hover:underline">
            Log in
          </Link>
        </>
      }
    >
      {loadError && <FormAlert>{loadError}</FormAlert>}
      {invite && (
        <form noValidate onSubmit={onSubmit} className="grid gap-5" aria-label="Accept invitation">
          {errors.form && <FormAlert>{errors.form}</FormAlert>}
          <Field label="Email" type="email" name="email" value={invite.email} readOnly />
          {!invite.account_exists && (
            <Field label="Display name" name="name" autoComplete="name" value={name} onChange={(e) => setName(e.target.value)} error={errors.name} />
          )}
          <Field
            label={invite.account_exists ? "Password of your account" : "Choose a password"}
            type="password"
            name="password"
            autoComplete={invite.account_exists ? "current-password" : "new-password"}
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            error={errors.password}
            hint={invite.account_exists ? "This email already has an account here: accepting signs you in." : `At least ${MIN_PASSWORD} characters.`}
          />
          <Button type="submit" busy={busy} className="w-full">
            {invite.account_exists ? "Sign in and accept" : "Create account and join"}
          </Button>
        </form>
      )}
    </AuthLayout>
  );
}
