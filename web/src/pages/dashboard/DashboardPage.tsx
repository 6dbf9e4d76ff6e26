import { Link } from "react-router";
import { useAuth } from "../../auth/AuthContext";
import { useDocumentTitle } from "../../auth/useDocumentTitle";
import { useFeatureVisible } from "../../auth/useFeatures";
import { useTenantName } from "../../auth/useTenantName";
import { ArrowRightIcon, FilmIcon, MicIcon, PieIcon, ShieldIcon } from "../../components/Icons";
import { greeting } from "../../lib/format";
import { ApiKeysPanel } from "./ApiKeysPanel";
import { JobsPanel } from "./JobsPanel";

const FEATURES = [
  { feature: "voice", to: "/voice", title: "Voice", line: "Clone your voice and narrate in it.", icon: MicIcon },
  { feature: "editor", to: "/editor", title: "Editor", line: "Cut, caption and export on a timeline.", icon: FilmIcon },
  { feature: "shares", to: "/shares", title: "Shares", line: "Sell shares of a video, pay royalties.", icon: PieIcon },
  { feature: "admin", to: "/admin", title: "Admin", line: "Brand, domains, members and webhooks.", icon: ShieldIcon },
] as const;

export function DashboardPage() {
  useDocumentTitle("Dashboard");
  const { user } = useAuth();
  const tenant = useTenantName();
  const visible = useFeatureVisible();
  const features = FEATURES.filter((f) => visible(f.feature));
  const firstName = user?.display_name.trim().split(/\s+/)[0] ?? "";

  return (
    <div className="grid gap-8">
      <div>
        <p className="text-sm font-medium text-primary">{user?.tenant.name ?? tenant}</p>
        <h1 className="mt-1 text-3xl font-semibold tracking-tight text-text">
          {greeting()}, {firstName || user?.display_name}
        </h1>
        <p className="mt-1.5 text-sm text-muted">Here is what is happening in your workspace.</p>
      </div>

      {features.length > 0 && (
      <nav aria-label="Features" className="grid grid-cols-2 gap-4 lg:grid-cols-4">
        {features.map(({ to, title, line, icon: IconC }) => (
          <Link
            key={to}
            to={to}
            className="group relative overflow-hidden rounded-2xl border border-text/10 bg-surface p-5 transition hover:-translate-y-0.5 hover:border-primary/50 hover:shadow-lg hover:shadow-primary/10"
          >
            <span className="grid size-10 place-items-center rounded-xl bg-primary/15 text-primary ring-1 ring-inset ring-primary/25">
              <IconC className="size-5" />
            </span>
            <span className="mt-4 flex items-center justify-between text-base font-semibold text-text">
              {title}
              <ArrowRightIcon className="size-4 text-muted transition group-hover:translate-x-0.5 group-hover:text-primary" />
            </span>
            <span className="mt-1 block text-sm text-muted">{line}</span>
          </Link>
        ))}
      </nav>
      )}

      <JobsPanel />
      <ApiKeysPanel />
    </div>
  );
}
