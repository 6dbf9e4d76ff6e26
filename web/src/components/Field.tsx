import { useId } from "react";
import type { InputHTMLAttributes, ReactNode } from "react";

export const inputClass =
  "block w-full rounded-lg border border-text/15 bg-background/60 px-3 py-2 text-sm text-text placeholder:text-muted/70 transition focus:border-primary focus:outline-none focus:ring-2 focus:ring-primary/40 aria-[invalid=true]:border-danger aria-[invalid=true]:ring-danger/30";

export interface FieldProps extends Omit<InputHTMLAttributes<HTMLInputElement>, "id"> {
  label: string;
  error?: string;
  hint?: ReactNode;
}

/** A labelled input whose error is announced (role="alert") right under it. */
export function Field({ label, error, hint, className = "", ...props }: FieldProps) {
  const id = useId();
  const hintId = `${id}-hint`;
  const errorId = `${id}-error`;
  // The hint is replaced by the error while there is one: describe the input by what is shown.
  const describedBy = error ? errorId : hint ? hintId : "";
  return (
    <div className={className}>
      <label htmlFor={id} className="mb-1.5 block text-sm font-medium text-text">
        {label}
      </label>
      <input
        id={id}
        className={inputClass}
        aria-invalid={error ? true : undefined}
        aria-describedby={describedBy || undefined}
        {...props}
      />
      {hint && !error && (
        <p id={hintId} className="mt-1.5 text-xs text-muted">
          {hint}
        </p>
      )}
      {error && <FieldError id={errorId}>{error}</FieldError>}
    </div>
  );
}

export function FieldError({ id, children }: { id?: string; children: ReactNode }) {
  return (
    <p id={id} role="alert" className="mt-1.5 text-xs font-medium text-danger">
      {children}
    </p>
  );
}

/** A form-level message (wrong password, server down...). */
export function FormAlert({ children, tone = "danger" }: { children: ReactNode; tone?: "danger" | "warning" }) {
  const toneClass =
    tone === "danger"
      ? "border-danger/30 bg-danger/10 text-danger"
      : "border-warning/30 bg-warning/10 text-warning";
  return (
    <div role="alert" className={`rounded-lg border px-3 py-2.5 text-sm ${toneClass}`}>
      {children}
    </div>
  );
}
