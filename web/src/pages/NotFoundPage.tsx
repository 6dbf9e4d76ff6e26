import { Link } from "react-router";
import { useDocumentTitle } from "../auth/useDocumentTitle";
import { buttonClass } from "../components/Button";
import { Logo } from "../components/Logo";

export function NotFoundPage() {
  useDocumentTitle("Page not found");
  return (
    <main className="grid min-h-screen place-items-center p-6 text-center">
      <div>
        <Logo className="size-10" withName={false} />
        <p className="mt-6 font-mono text-sm text-primary">404</p>
        <h1 className="mt-2 text-2xl font-semibold tracking-tight text-text">Page not found</h1>
        <p className="mt-2 text-sm text-muted">The page you asked for does not exist or has moved.</p>
        <Link to="/" className={buttonClass("primary", "md", "mt-6")}>
          Go home
        </Link>
      </div>
    </main>
  );
}
