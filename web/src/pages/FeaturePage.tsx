import type { ComponentType, SVGProps } from "react";
import { Link } from "react-router";
import { useDocumentTitle } from "../auth/useDocumentTitle";
import { buttonClass } from "../components/Button";
import { FilmIcon, MicIcon, PieIcon, ShieldIcon } from "../components/Icons";

interface Feature {
  title: string;
  summary: string;
  icon: ComponentType<SVGProps<SVGSVGElement>>;
}

/** The routed pages that later issues fill in. Until then each says so plainly. */
export const FEATURES: Record<"voice" | "editor" | "shares" | "admin", Feature> = {
  voice: {
    title: "Voice",
    summary: "Upload one to three minutes of clean speech and narrate any script in that voice.",
    icon: MicIcon,
  },
  editor: {
    title: "Editor",
    summary: "A multi-track timeline with live preview, Magic Cut and server-side MP4 export.",
    icon: FilmIcon,
  },
  shares: {
    title: "Shares",
    summary: "Lock a video's NFT in a vault, sell shares to fans and pay revenue pro rata.",
    icon: PieIcon,
  },
  admin: {
    title: "Admin",
    summary: "Your brand, custom domains, members, API limits and webhooks.",
    icon: ShieldIcon,
  },
};

export function FeaturePage({ feature }: { feature: keyof typeof FEATURES }) {
  const { title, summary, icon: IconC } = FEATURES[feature];
  useDocumentTitle(title);
  return (
    <div className="grid gap-6">
      <div>
        <h1 className="text-3xl font-semibold tracking-tight text-text">{title}</h1>
        <p className="mt-1.5 max-w-2xl text-sm text-muted">{summary}</p>
      </div>
      <section className="flex flex-col items-center rounded-2xl border border-dashed border-text/15 bg-surface/50 px-6 py-16 text-center">
        <span className="grid size-12 place-items-center rounded-2xl bg-primary/15 text-primary ring-1 ring-inset ring-primary/25">
          <IconC className="size-6" />
        </span>
        <p className="mt-4 text-base font-semibold text-text">Not available yet</p>
        <p className="mt-1 max-w-md text-sm text-muted">
          {title} arrives with its own issue; this page is where it will live. Nothing here works yet.
        </p>
        <Link to="/dashboard" className={buttonClass("secondary", "md", "mt-6")}>
          Back to the dashboard
        </Link>
      </section>
    </div>
  );
}
