import { useState } from "react";
import type { FormEvent } from "react";
import { Link, useNavigate, useSearchParams } from "react-router";
import { ApiError } from "../../api/client";
import { resetPassword } from "../../api/endpoints";
import { useAuth } from "../../auth/AuthContext";
import { useDocumentTitle } from "../../auth/useDocumentTitle";
import { Button } from "../../components/Button";
import { Field, FormAlert } from "../../components/Field";
import { AuthLayout } from "../AuthLayout";

export const MIN_PASSWORD = 10;

/** `/reset-password?token=…`: choose a new password; every other session ends and this one signs in. */
export function ResetPasswordPage() {
  useDocumentTitle("Choose a new password");
  const [params] = useSearchParams();
  const token = params.get("token") ?? "";
  const { reload } = useAuth();
  const navigate = useNavigate();
  const [password, setPassword] = useState("");
  const [confirm, setConfirm] = useState("");
  const [errors, setErrors] = useState<Partial<Record<"password" | "confirm" | "form", string>>>({});
  const [busy, setBusy] = useState(false);

  const onSubmit = async (event: FormEvent) => {
    event.preventDefault();
    const next: typeof errors = {};
    if (password.length < MIN_PASSWORD) next.password = `Use at least ${MIN_PASSWORD} characters.`;
    else if (confirm !== password) next.confirm = "The two passwords differ.";
    setErrors(next);
    if (Object.keys(next).length) return;
    setBusy(true);
    try {
      await resetPassword(token, password);
      await reload();
      navigate("/dashboard", { replace: true });
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      setErrors({
        password: err.fieldErrors.password,
        form: err.fieldErrors.token ?? (err.fieldErrors.password ? undefined : err.detail),
      });
    } finally {
      setBusy(false);
    }
  };

  const footer = (
    <Link to="/forgot-password" className="font-medium text-primary hover:underline">
      Ask for a new link
    </Link>
  );
  if (!token)
    return (
      <AuthLayout title="Choose a new password" subtitle="This page needs the link from your email." footer={footer}>
        <FormAlert>The link has no token: open the link from the email again, or ask for a new one.</FormAlert>
      </AuthLayout>
    );
  return (
    <AuthLayout title="Choose a new password" subtitle="You will be signed in, and signed out everywhere else." footer={footer}>
      <form noValidate onSubmit={onSubmit} className="grid gap-5" aria-label="Choose a new password">
        {errors.form && <FormAlert>{errors.form}</FormAlert>}
        <Field
          label="New password"
          type="password"
          name="password"
          autoComplete="new-password"
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          error={errors.password}
          hint={`At least ${MIN_PASSWORD} characters.`}
          autoFocus
        />
        <Field
          label="Repeat the new password"
          type="password"
          name="confirm"
          autoComplete="new-password"
          value={confirm}
          onChange={(e) => setConfirm(e.target.value)}
          error={errors.confirm}
        />
        <Button type="submit" busy={busy} className="w-full">
          Set new password
        </Button>
      </form>
    </AuthLayout>
  );
}
