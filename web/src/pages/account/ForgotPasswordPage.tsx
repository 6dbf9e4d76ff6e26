import { useState } from "react";
import type { FormEvent } from "react";
import { Link } from "react-router";
import { ApiError } from "../../api/client";
import { forgotPassword } from "../../api/endpoints";
import { useDocumentTitle } from "../../auth/useDocumentTitle";
import { Button } from "../../components/Button";
import { Field, FormAlert } from "../../components/Field";
import { AuthLayout } from "../AuthLayout";

/** `/forgot-password`: mail a reset link. The answer is the same whether or not the email has an account. */
export function ForgotPasswordPage() {
  useDocumentTitle("Forgot password");
  const [email, setEmail] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [fieldError, setFieldError] = useState<string | undefined>();
  const [sent, setSent] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const onSubmit = async (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    if (!email.trim()) {
      setFieldError("Enter the email address you sign in with.");
      return;
    }
    setFieldError(undefined);
    setBusy(true);
    try {
      setSent((await forgotPassword(email.trim())).detail);
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      if (err.fieldErrors.email) setFieldError(err.fieldErrors.email);
      else setError(err.detail);
    } finally {
      setBusy(false);
    }
  };

  return (
    <AuthLayout
      title="Forgot your password?"
      subtitle="Enter your email and we will send you a link to choose a new one."
      footer={
        <>
          Remembered it?{" "}
          <Link to="/login" className="font-medium text-primary hover:underline">
            Back to log in
          </Link>
        </>
      }
    >
      {sent ? (
        <div role="status" className="rounded-lg border border-success/30 bg-success/10 px-4 py-3 text-sm text-text">
          <p className="font-medium">Check your email.</p>
          <p className="mt-1 text-muted">{sent}</p>
        </div>
      ) : (
        <form noValidate onSubmit={onSubmit} className="grid gap-5" aria-label="Forgot password">
          {error && <FormAlert>{error}</FormAlert>}
          <Field
            label="Email"
            type="email"
            name="email"
            autoComplete="email"
            value={email}
            onChange={(e) => setEmail(e.target.value)}
            error={fieldError}
            autoFocus
          />
          <Button type="submit" busy={busy} className="w-full">
            Email me a reset link
          </Button>
        </form>
      )}
    </AuthLayout>
  );
}
