import { useEffect, useState } from "react";
import type { FormEvent } from "react";
import { Link } from "react-router";
import { ApiError } from "../api/client";
import { useAuth } from "../auth/AuthContext";

import { useDocumentTitle } from "../auth/useDocumentTitle";
import { Button } from "../components/Button";
import { Field, FormAlert } from "../components/Field";
import { AuthLayout } from "./AuthLayout";

type Errors = Partial<Record<"email" | "password" | "form", string>>;

export function LoginPage() {
  useDocumentTitle("Log in");
  const { login } = useAuth();
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [errors, setErrors] = useState<Errors>({});
  const [busy, setBusy] = useState(false);
  const [retryIn, setRetryIn] = useState(0);

  // Count down the server's Retry-After so the visitor sees when to try again.
  useEffect(() => {
    if (retryIn <= 0) return;
    const timer = window.setTimeout(() => setRetryIn((s) => s - 1), 1000);
    return () => window.clearTimeout(timer);
  }, [retryIn]);

  const onSubmit = async (event: FormEvent) => {
    event.preventDefault();
    const next: Errors = {};
    if (!email.trim()) next.email = "Enter your email address.";
    if (!password) next.password = "Enter your password.";
    setErrors(next);
    if (Object.keys(next).length) return;
    setBusy(true);
    try {
      // Signed in: <RedirectIfSignedIn> moves on to the page that sent the visitor here.
      await login(email.trim(), password);
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      if (err.status === 429) {
        const seconds = err.retryAfter ?? 60;
        setRetryIn(seconds);
        setErrors({ form: "Too many sign-in attempts." });
      } else if (err.status === 401) {
        setErrors({ form: err.detail && err.detail !== err.title ? err.detail : "Email or password is incorrect." });
      } else {
        setErrors({
          email: err.fieldErrors.email,
          password: err.fieldErrors.password,
          form: err.fieldErrors.email || err.fieldErrors.password ? undefined : err.detail,
        });
      }
    } finally {
      setBusy(false);
    }
  };

  return (
    <AuthLayout
      title="Welcome back"
      subtitle="Log in to your workspace."
      footer={
        <>
          New here?{" "}
          <Link to="/signup" className="font-medium text-primary hover:underline">
            Create an account
          </Link>
        </>
      }
    >
      <form noValidate onSubmit={onSubmit} className="grid gap-5" aria-label="Log in">
        {errors.form && (
          <FormAlert tone={retryIn > 0 ? "warning" : "danger"}>
            {errors.form}
            {retryIn > 0 && <> Try again in {retryIn} second{retryIn === 1 ? "" : "s"}.</>}
          </FormAlert>
        )}
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
          label="Password"
          type="password"
          name="password"
          autoComplete="current-password"
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          error={errors.password}
        />
        <Link to="/forgot-password" className="-mt-3 justify-self-end text-sm font-medium text-primary hover:underline">
          Forgot password?
        </Link>
        <Button type="submit" busy={busy} disabled={retryIn > 0} className="mt-1 w-full">
          Log in
        </Button>
      </form>
    </AuthLayout>
  );
}
