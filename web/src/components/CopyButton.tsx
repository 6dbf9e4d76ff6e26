import { useEffect, useState } from "react";
import { Button } from "./Button";
import { CheckIcon, CopyIcon } from "./Icons";

/** Copies `value`; its accessible name says what ("Copy TXT record name"). */
export function CopyButton({ value, label, size = "sm" }: { value: string; label: string; size?: "sm" | "md" }) {
  const [copied, setCopied] = useState(false);
  useEffect(() => {
    if (!copied) return;
    const t = setTimeout(() => setCopied(false), 2000);
    return () => clearTimeout(t);
  }, [copied]);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(value);
      setCopied(true);
    } catch {
      /* no clipboard permission (plain http): the value is shown selectable next to the button */
    }
  };
  return (
    <Button variant="secondary" size={size} onClick={() => void copy()} aria-label={copied ? `Copied: ${label}` : `Copy ${label}`}>
      {copied ? <CheckIcon className="size-4 text-success" /> : <CopyIcon className="size-4" />}
      <span aria-hidden="true">{copied ? "Copied" : "Copy"}</span>
    </Button>
  );
}
