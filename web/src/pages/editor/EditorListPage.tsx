import { type FormEvent, useEffect, useState } from "react";
import { Link, useNavigate } from "react-router";
import { ApiError } from "../../api/client";
import { useDocumentTitle } from "../../auth/useDocumentTitle";
import { Button } from "../../components/Button";
import { Card } from "../../components/Card";
import { Field, FormAlert } from "../../components/Field";
import { formatRelative } from "../../lib/format";
import { type ProjectSummary, createProject, listProjects } from "./editorApi";

/** `/editor`: the creator's projects and a form to start a new one. */
export function EditorListPage() {
  useDocumentTitle("Editor");
  const navigate = useNavigate();
  const [projects, setProjects] = useState<ProjectSummary[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [name, setName] = useState("");
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    const controller = new AbortController();
    listProjects(controller.signal)
      .then((p) => setProjects(p.items))
      .catch((err) => {
        if (err instanceof ApiError) setError(err.detail);
      });
    return () => controller.abort();
  }, []);

  const onCreate = async (e: FormEvent) => {
    e.preventDefault();
    if (!name.trim()) {
      setError("Give the project a name.");
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const p = await createProject(name.trim());
      navigate(`/editor/${encodeURIComponent(p.id)}`);
    } catch (err) {
      setError(err instanceof ApiError ? err.detail : String(err));
      setBusy(false);
    }
  };

  return (
    <div className="space-y-6">
      <div>
        <h1 className="text-2xl font-semibold text-text">Editor</h1>
        <p className="mt-1 text-sm text-muted">Cut your videos in the browser, preview live, export MP4.</p>
      </div>
      <Card title="New project" titleId="new-project">
        <form onSubmit={onCreate} className="flex items-end gap-3 px-6 py-4">
          <Field label="Project name" value={name} onChange={(e) => setName(e.target.value)} className="flex-1" maxLength={200} />
          <Button type="submit" busy={busy}>
            Create project
          </Button>
        </form>
        {error && (
          <div className="px-6 pb-4">
            <FormAlert>{error}</FormAlert>
          </div>
        )}
      </Card>
      <Card title="Your projects" titleId="projects">
        {projects === null ? (
          <p className="px-6 py-4 text-sm text-muted">Loading…</p>
        ) : projects.length === 0 ? (
          <p className="px-6 py-4 text-sm text-muted">No projects yet.</p>
        ) : (
          <ul className="divide-y divide-text/10">
            {projects.map((p) => (
              <li key={p.id} className="flex items-center justify-between px-6 py-3">
                <Link to={`/editor/${encodeURIComponent(p.id)}`} className="font-medium text-text hover:text-primary">
                  {p.name}
                </Link>
                <span className="text-xs text-muted">
                  version {p.version} · edited {formatRelative(p.updated_at)}
                </span>
              </li>
            ))}
          </ul>
        )}
      </Card>
    </div>
  );
}
