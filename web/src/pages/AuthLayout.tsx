import type { ReactNode } from "react";
import { Logo } from "../components/Logo";
import { useTenantName } from "../auth/useTenantName";

/** The frame of the login and signup pages: the form on the left, the tenant's pitch on the right. */
export function AuthLayout({ title, subtitle, children, footer }: {
  title: string;
  subtitle: ReactNode;
  children: ReactNode;
  footer: ReactNode;
}) {
  const tenant = useTenantName();
  return (
    <div className="grid min-h-screen lg:grid-cols-[minmax(0,1fr)_minmax(0,1.1fr)]">
      <main className="flex flex-col px-8 py-8 sm:px-16">
        <Logo />
        <div className="mx-auto flex w-full max-w-sm flex-1 flex-col justify-center py-10">
          <h1 className="text-2xl font-semibold tracking-tight text-text">{title}</h1>
          <p className="mt-2 text-sm text-muted">{subtitle}</p>
          <div className="mt-8">{children}</div>
          <div className="mt-8 text-sm text-muted">{footer}</div>
        </div>
      </main>
      <aside
        aria-hidden="true"
        className="relative hidden overflow-hidden border-l border-text/10 bg-surface lg:block"
      >
        <div className="absolute -left-24 -top-24 size-[28rem] rounded-full bg-primary/30 blur-3xl" />
        <div className="absolute -bottom-32 right-0 size-[26rem] rounded-full bg-secondary/20 blur-3xl" />
        <div className="relative flex h-full flex-col justify-end p-14">
          <div className="mb-10 grid max-w-md gap-3">
            {[
              ["Voice cloning", "Narrate every video in your own voice."],
              ["In-browser editor", "A multi-track timeline with Magic Cut and MP4 export."],
              ["Viral shares", "Let fans own a piece of the videos they love."],
            ].map(([name, line]) => (
              <div key={name} className="rounded-xl border border-text/10 bg-background/50 px-5 py-4 backdrop-blur">
                <p className="text-sm font-semibold text-text">{name}</p>
                <p className="mt-0.5 text-sm text-muted">{line}</p>
              </div>
            ))}
          </div>
          <p className="max-w-md text-3xl font-semibold leading-tight tracking-tight text-text">
            Create, edit and share AI video with <span className="text-primary">{tenant}</span>.
          </p>
        </div>
      </aside>
    </div>
  );
}
