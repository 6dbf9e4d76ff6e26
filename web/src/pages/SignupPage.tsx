import { useState } from "react";
import type { FormEvent } from "react";
import { Link } from "react-router";
import { ApiError } from "../api/client";
import { useAuth } from "../auth/AuthContext";
import { useDocumentTitle } from "../auth/useDocumentTitle";
import { Button } from "../components/Button";
import { Field, FormAlert } from "../components/Field";
import { AuthLayout } from "./AuthLayout";

export const MIN_PASSWORD_LENGTH = 10;
const EMAIL_RE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

type Errors = Partial<Record<"email" | "display_name" | "password" | "form", string>>;

export function validateSignup(email: string, displayName: string, password: string): Errors {
  const errors: Errors = {};
  if (!EMAIL_RE.test(email.trim())) errors.email = "Enter a valid email address, like name@example.com.";
  if (!displayName.trim()) errors.display_name = "Enter the name other people will see.";
  else if (displayName.trim().length > 80) errors.display_name = "Use 80 characters or fewer.";
  if (password.length < MIN_PASSWORD_LENGTH)
    errors.password = `Use at least ${MIN_PASSWORD_LENGTH} characters.`;
  return errors;
}

export function SignupPage() {
  useDocumentTitle("Sign up");
  const { signup } = useAuth();
  const [email, setEmail] = useState("");
  const [displayName, setDisplayName] = useState("");
  const [password, setPassword] = useState("");
  const [errors, setErrors] = useState<Errors>({});
  const [busy, setBusy] = useState(false);

  const onSubmit = async (event: FormEvent) => {
    event.preventDefault();
    const next = validateSignup(email, displayName, password);
    setErrors(next);
    if (Object.keys(next).length) return;
    setBusy(true);
    try {
      // Signed in: <RedirectIfSignedIn> moves on to the dashboard.
      await signup(email.trim(), password, displayName.trim());
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      if (err.status === 409) {
        setErrors({ email: err.fieldErrors.email ?? "An account with this email already exists. Log in instead." });
      } else {
        const { email: e, display_name: d, password: p } = err.fieldErrors;
        setErrors({ email: e, display_name: d, password: p, form: e || d || p ? undefined : err.detail });
      }
    } finally {
      setBusy(false);
    }
  };

  return (
    <AuthLayout
      title="Create your account"
      subtitle="Start creating in minutes. No credit card needed."
      footer={
        <>
          Already have an account?{" "}
          <Link to="/login" className="font-medium text-primary hover:underline">
            Log in
          </Link>
        </>
      }
    >
      <form noValidate onSubmit={onSubmit} className="grid gap-5" aria-label="Sign up">
        {errors.form && <FormAlert>{errors.form}</FormAlert>}
        <Field
          label="Email"
          type="email"
          name="email"
          autoComplete="email"
          value={email}
          onChange={(e) => setEmail(e.target.value)}
          error={errors.email}
          autoFocus
        />
        <Field
          label="Display name"
          name="display_name"
          autoComplete="name"
          value={displayName}
          onChange={(e) => setDisplayName(e.target.value)}
          error={errors.display_name}
        />
        <Field
          label="Password"
          type="password"
          name="password"
          autoComplete="new-password"
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          error={errors.password}
          hint={`At least ${MIN_PASSWORD_LENGTH} characters.`}
        />
        <Button type="submit" busy={busy} className="mt-1 w-full">
          Create account
        </Button>
      </form>
    </AuthLayout>
  );
}
