import { useTenantName } from "../auth/useTenantName";

/** The tenant's logo: its image is the --flowai-logo CSS variable, its name the accessible label. */
export function Logo({ className = "size-8", withName = true }: { className?: string; withName?: boolean }) {
  const name = useTenantName();
  return (
    <span className="inline-flex items-center gap-2.5">
      <span role="img" aria-label={name} className={`logo-image shrink-0 rounded-lg ${className}`} />
      {withName && (
        <span aria-hidden="true" className="truncate text-base font-semibold tracking-tight text-text">
          {name}
        </span>
      )}
    </span>
  );
}
