import { useId, useRef, useState } from "react";
import type { CSSProperties, FormEvent, ReactNode } from "react";
import { ApiError } from "../../api/client";
import { removeBrandFile, updateTenant, uploadBrandFile } from "../../api/endpoints";
import { COLOR_NAMES, FEATURES } from "../../api/types";
import type { BrandColors, ColorName, Tenant, TenantPatch } from "../../api/types";
import { useAuth } from "../../auth/AuthContext";
import { useReloadTenantTheme } from "../../auth/TenantContext";
import { Button } from "../../components/Button";
import { Card } from "../../components/Card";
import { ConfirmDialog } from "../../components/ConfirmDialog";
import { Field, FieldError, FormAlert, inputClass } from "../../components/Field";
import { AlertIcon, CheckIcon } from "../../components/Icons";
import { AA_NORMAL_TEXT, contrastRatio, formatRatio, normalizeHex, passesAA } from "../../lib/contrast";
import {
  BRAND_FILES,
  acceptOf,
  brandFileUrl,
  checkBrandFile,
  faviconHref,
  formatLimit,
  uploadErrorMessage,
  withUploadedFont,
} from "../../lib/brandFiles";
import type { BrandFileKind, BrandFileSpec } from "../../lib/brandFiles";
import { reloadLogo, reloadThemeCss, setFavicon } from "../../lib/theme";
import { useFontFace } from "../../lib/useFontFace";
import type { LoadedFont } from "../../lib/useFontFace";

/** The server's defaults (core/models.py DEFAULT_BRAND), for a brand that never set a colour. */
export const DEFAULT_COLORS: BrandColors = {
  primary: "#7c3aed",
  secondary: "#0ea5e9",
  background: "#0b0b10",
  surface: "#16161f",
  text: "#f4f4f5",
  muted: "#a1a1aa",
};
const DEFAULT_FONT = "Inter, system-ui, sans-serif";

const COLOR_INFO: Record<ColorName, { label: string; hint: string }> = {
  primary: { label: "Primary", hint: "Buttons, links and highlights" },
  secondary: { label: "Secondary", hint: "Accents, gradients and focus rings" },
  background: { label: "Background", hint: "Behind every page" },
  surface: { label: "Surface", hint: "Cards, panels and the side bar" },
  text: { label: "Text", hint: "Headings and body text" },
  muted: { label: "Muted", hint: "Secondary text and hints" },
};

const FEATURE_INFO: Record<string, { label: string; line: string }> = {
  voice: { label: "Voice", line: "Voice cloning and narration" },
  editor: { label: "Editor", line: "Timeline editor and exports" },
  shares: { label: "Shares", line: "Video shares and royalties" },
  admin: { label: "Admin", line: "This page in the navigation (admins and owners always keep it)" },
};

export const FONT_SUGGESTIONS = [
  "Inter, system-ui, sans-serif",
  "system-ui, sans-serif",
  "Arial, Helvetica, sans-serif",
  "Verdana, Geneva, sans-serif",
  "'Trebuchet MS', sans-serif",
  "Georgia, serif",
  "'Times New Roman', Times, serif",
  "'Courier New', monospace",
];
/** What the server accepts for a font family (it becomes a CSS value in /theme.css). */
const FONT_RE = /^[A-Za-z0-9 ,'"-]{1,200}$/;

export interface BrandForm {
  name: string;
  colors: BrandColors;
  font_family: string;
  features: string[];
}

export function brandFormOf(tenant: Tenant): BrandForm {
  const saved = tenant.brand.colors ?? {};
  const colors = { ...DEFAULT_COLORS };
  for (const key of COLOR_NAMES) colors[key] = normalizeHex(saved[key] ?? "") ?? DEFAULT_COLORS[key];
  return {
    name: tenant.name,
    colors,
    font_family: tenant.brand.font_family || DEFAULT_FONT,
    features: FEATURES.filter((f) => tenant.features.includes(f)),
  };
}

/** Only what changed goes to PATCH /v1/tenant (the audit log records exactly that). */
export function brandPatch(initial: BrandForm, form: BrandForm): TenantPatch {
  const patch: TenantPatch = {};
  if (form.name.trim() !== initial.name) patch.name = form.name.trim();
  const colors: Partial<BrandColors> = {};
  for (const key of COLOR_NAMES) {
    const value = normalizeHex(form.colors[key]) ?? form.colors[key];
    if (value !== initial.colors[key]) colors[key] = value;
  }
  if (Object.keys(colors).length) patch.colors = colors;
  if (form.font_family.trim() !== initial.font_family) patch.font_family = form.font_family.trim();
  const features = FEATURES.filter((f) => form.features.includes(f));
  if (features.join() !== initial.features.join()) patch.features = features;
  return patch;
}

type Errors = Record<string, string | undefined>;

export function BrandPanel({ tenant, onSaved }: { tenant: Tenant; onSaved: (tenant: Tenant) => void }) {
  const initial = brandFormOf(tenant);
  const [form, setForm] = useState<BrandForm>(initial);
  const [errors, setErrors] = useState<Errors>({});
  const [busy, setBusy] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);
  const reloadTheme = useReloadTenantTheme();
  const { reload: reloadMe } = useAuth();
  const fontListId = useId();
  // Bumped when the logo may have changed (the default logo is a monogram in the brand colours).
  const [logoVersion, setLogoVersion] = useState(() => Date.now());
  // The uploaded font, loaded for the preview and the font card (its URL changes with each upload).
  const fontUrl = tenant.brand.font_key ? brandFileUrl("font", tenant.brand.font_key) : null;
  const brandFont = useFontFace(fontUrl, tenant.brand.font_format);

  const patch = brandPatch(initial, form);
  const dirty = Object.keys(patch).length > 0;

  /** The colours the preview shows: what is typed when it is a colour, else the saved one. */
  const shown = { ...initial.colors };
  for (const key of COLOR_NAMES) shown[key] = normalizeHex(form.colors[key]) ?? initial.colors[key];

  const setColor = (key: ColorName, value: string) => {
    setForm((f) => ({ ...f, colors: { ...f.colors, [key]: value } }));
    setErrors((e) => ({ ...e, [`colors.${key}`]: undefined }));
    setNotice(null);
  };

  const onSubmit = async (event: FormEvent) => {
    event.preventDefault();
    const next: Errors = {};
    if (!form.name.trim()) next.name = "Give the workspace a name.";
    else if (form.name.trim().length > 200) next.name = "Use 200 characters or fewer.";
    for (const key of COLOR_NAMES)
      if (!normalizeHex(form.colors[key])) next[`colors.${key}`] = "Use a hex colour like #7c3aed.";
    if (!FONT_RE.test(form.font_family.trim()))
      next.font_family = "Use letters, digits, spaces, commas, quotes and hyphens only.";
    setErrors(next);
    setNotice(null);
    if (Object.values(next).some(Boolean) || !dirty) return;
    setBusy(true);
    try {
      const saved = await updateTenant(patch);
      onSaved(saved);
      setForm(brandFormOf(saved));
      // Re-theme the whole app now: the variables come from /theme.css, the name from the theme.
      const version = Date.now();
      reloadThemeCss(version);
      reloadLogo(version);
      setFavicon(faviconHref(saved.brand, version)); // the default logo, and so favicon, is in the colours
      setLogoVersion(version);
      void reloadTheme();
      if (patch.name) void reloadMe(); // the workspace name shown from /v1/me
      setNotice("Saved. The whole workspace now uses this brand.");
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      const f = err.fieldErrors;
      const known = Object.keys(f).filter(
        (k) => k === "name" || k === "font_family" || k === "features" || k.startsWith("colors."),
      );
      setErrors({ ...f, form: known.length ? undefined : err.detail });
    } finally {
      setBusy(false);
    }
  };

  /** After a brand file was uploaded or removed: the whole app shows it now, no reload. */
  const onFileChanged = (saved: Tenant) => {
    onSaved(saved);
    const version = Date.now();
    reloadThemeCss(version); // the @font-face of an uploaded font, and the font stack that names it
    reloadLogo(version);
    setFavicon(faviconHref(saved.brand, version));
    setLogoVersion(version);
    void reloadTheme();
  };

  const reset = () => {
    setForm(initial);
    setErrors({});
    setNotice(null);
  };

  return (
    <div className="grid gap-6 xl:grid-cols-[minmax(0,1fr)_minmax(0,26rem)]">
      <Card title="Brand" titleId="brand-title" description="How the workspace looks on every domain it serves.">
        <form noValidate onSubmit={onSubmit} aria-label="Brand" className="grid gap-6 px-6 py-5">
          {errors.form && <FormAlert>{errors.form}</FormAlert>}
          <div className="grid gap-5 md:grid-cols-2">
            <Field
              label="Workspace name"
              value={form.name}
              maxLength={200}
              error={errors.name}
              onChange={(e) => {
                setForm((f) => ({ ...f, name: e.target.value }));
                setErrors((x) => ({ ...x, name: undefined }));
              }}
            />
            <Field
              label="Font family"
              value={form.font_family}
              list={fontListId}
              maxLength={200}
              spellCheck={false}
              error={errors.font_family}
              hint="A CSS font stack of fonts your members have, e.g. Georgia, serif."
              onChange={(e) => {
                setForm((f) => ({ ...f, font_family: e.target.value }));
                setErrors((x) => ({ ...x, font_family: undefined }));
              }}
            />
            <datalist id={fontListId}>
              {FONT_SUGGESTIONS.map((font) => (
                <option key={font} value={font} />
              ))}
            </datalist>
          </div>

          <fieldset>
            <legend className="mb-3 text-sm font-medium text-text">Colours</legend>
            <div className="grid gap-4 sm:grid-cols-2 lg:grid-cols-3">
              {COLOR_NAMES.map((key) => (
                <ColorField
                  key={key}
                  label={`${COLOR_INFO[key].label} colour`}
                  hint={COLOR_INFO[key].hint}
                  value={form.colors[key]}
                  fallback={shown[key]}
                  error={errors[`colors.${key}`]}
                  onChange={(v) => setColor(key, v)}
                />
              ))}
            </div>
          </fieldset>

          <ContrastReport colors={shown} />

          <fieldset>
            <legend className="mb-1 text-sm font-medium text-text">Features</legend>
            <p className="mb-3 text-xs text-muted">What the navigation and the dashboard offer this workspace's members.</p>
            <div className="grid gap-2 sm:grid-cols-2">
              {FEATURES.map((feature) => (
                <FeatureToggle
                  key={feature}
                  label={FEATURE_INFO[feature].label}
                  line={FEATURE_INFO[feature].line}
                  checked={form.features.includes(feature)}
                  onChange={(on) =>
                    setForm((f) => ({
                      ...f,
                      features: on ? [...f.features, feature] : f.features.filter((x) => x !== feature),
                    }))
                  }
                />
              ))}
            </div>
            {errors.features && <FieldError>{errors.features}</FieldError>}
          </fieldset>

          <div className="flex flex-wrap items-center justify-end gap-3 border-t border-text/10 pt-5">
            {notice && (
              <p role="status" className="mr-auto flex items-center gap-2 text-sm text-success">
                <CheckIcon className="size-4" /> {notice}
              </p>
            )}
            <Button variant="secondary" onClick={reset} disabled={!dirty || busy}>
              Discard changes
            </Button>
            <Button type="submit" busy={busy} disabled={!dirty}>
              Save brand
            </Button>
          </div>
        </form>
      </Card>

      <div className="grid min-w-0 content-start gap-6">
        <BrandPreview form={form} colors={shown} uploadedFont={brandFont.family} />
        <BrandFileCard
          spec={BRAND_FILES.logo}
          uploaded={Boolean(tenant.brand.logo_key)}
          onChanged={onFileChanged}
          preview={
            <img
              src={`/v1/tenant/logo?v=${logoVersion}`}
              alt={`Current logo of ${tenant.name}`}
              className="size-16 shrink-0 rounded-xl border border-text/10 bg-background object-contain"
            />
          }
          details={tenant.brand.logo_key ? null : "Now: a monogram in your brand colours."}
        />
        <BrandFileCard
          spec={BRAND_FILES.favicon}
          uploaded={Boolean(tenant.brand.favicon_key)}
          onChanged={onFileChanged}
          preview={<FaviconPreview src={faviconHref(tenant.brand, logoVersion)} name={tenant.name} />}
          details={tenant.brand.favicon_key ? null : "Now: your logo. Upload a favicon for a sharper small icon."}
        />
        <BrandFileCard
          spec={BRAND_FILES.font}
          uploaded={Boolean(tenant.brand.font_key)}
          onChanged={onFileChanged}
          preview={<FontSpecimen font={brandFont} stack={initial.font_family} />}
          details={<FontDetails tenant={tenant} font={brandFont} />}
        />
      </div>
    </div>
  );
}

function ColorField({
  label,
  hint,
  value,
  fallback,
  error,
  onChange,
}: {
  label: string;
  hint: string;
  value: string;
  fallback: string;
  error?: string;
  onChange: (value: string) => void;
}) {
  const id = useId();
  const hintId = `${id}-hint`;
  const errorId = `${id}-error`;
  return (
    <div>
      <label htmlFor={id} className="mb-1.5 block text-sm font-medium text-text">
        {label}
      </label>
      <div className="flex gap-2">
        <input
          type="color"
          aria-label={`${label} picker`}
          value={normalizeHex(value) ?? fallback}
          onChange={(e) => onChange(e.target.value)}
          className="h-9.5 w-11 shrink-0 cursor-pointer rounded-lg border border-text/15 bg-background/60 p-1"
        />
        <input
          id={id}
          type="text"
          value={value}
          maxLength={7}
          spellCheck={false}
          autoComplete="off"
          aria-invalid={error ? true : undefined}
          aria-describedby={error ? errorId : hintId}
          onChange={(e) => onChange(e.target.value.trim())}
          onBlur={() => {
            const hex = normalizeHex(value);
            if (hex && hex !== value) onChange(hex);
          }}
          className={`${inputClass} font-mono`}
        />
      </div>
      {error ? (
        <FieldError id={errorId}>{error}</FieldError>
      ) : (
        <p id={hintId} className="mt-1.5 text-xs text-muted">
          {hint}
        </p>
      )}
    </div>
  );
}

function FeatureToggle({
  label,
  line,
  checked,
  onChange,
}: {
  label: string;
  line: string;
  checked: boolean;
  onChange: (checked: boolean) => void;
}) {
  const id = useId();
  return (
    <div className="flex items-start gap-3 rounded-lg border border-text/10 bg-background/30 px-3 py-2.5 has-checked:border-primary/60 has-checked:bg-primary/10">
      <input
        id={id}
        type="checkbox"
        className="mt-0.5 size-4 accent-primary"
        checked={checked}
        aria-describedby={`${id}-line`}
        onChange={(e) => onChange(e.target.checked)}
      />
      <span className="min-w-0">
        <label htmlFor={id} className="block cursor-pointer text-sm font-medium text-text">
          {label}
        </label>
        <span id={`${id}-line`} className="block text-xs text-muted">
          {line}
        </span>
      </span>
    </div>
  );
}

const PAIRS: { fg: ColorName; bg: ColorName; label: string; required: boolean }[] = [
  { fg: "text", bg: "background", label: "Text on background", required: true },
  { fg: "text", bg: "surface", label: "Text on surface", required: true },
  { fg: "muted", bg: "surface", label: "Muted text on surface", required: false },
];

/** Live WCAG contrast of the pairs the server checks (text on background and on surface). */
export function ContrastReport({ colors }: { colors: BrandColors }) {
  const rows = PAIRS.map((p) => ({ ...p, ratio: contrastRatio(colors[p.fg], colors[p.bg]) }));
  const failing = rows.filter((r) => r.required && !passesAA(r.ratio));
  const weakMuted = rows.filter((r) => !r.required && !passesAA(r.ratio));
  return (
    <section aria-labelledby="contrast-title" className="rounded-xl border border-text/10 bg-background/30 p-4">
      <h3 id="contrast-title" className="text-sm font-medium text-text">
        Contrast (WCAG AA needs {AA_NORMAL_TEXT}:1)
      </h3>
      <ul className="mt-3 grid gap-2 sm:grid-cols-3">
        {rows.map((r) => {
          const ok = passesAA(r.ratio);
          return (
            <li key={r.label} className="flex items-center gap-3 rounded-lg border border-text/10 px-3 py-2">
              <span
                aria-hidden="true"
                className="grid size-9 shrink-0 place-items-center rounded-md text-sm font-semibold ring-1 ring-inset ring-text/15"
                style={{ background: colors[r.bg], color: colors[r.fg] }}
              >
                Aa
              </span>
              <span className="min-w-0 text-xs">
                <span className="block text-muted">{r.label}</span>
                <span
                  data-testid={`contrast-${r.fg}-${r.bg}`}
                  className={`font-mono text-sm font-semibold ${ok ? "text-success" : r.required ? "text-danger" : "text-warning"}`}
                >
                  {r.ratio === null ? "—" : formatRatio(r.ratio)}
                </span>{" "}
                <span className="sr-only">{ok ? "passes" : "fails"} AA</span>
              </span>
            </li>
          );
        })}
      </ul>
      <div aria-live="polite">
        {failing.length > 0 && (
          <p className="mt-3 flex items-start gap-2 text-sm text-warning">
            <AlertIcon className="mt-0.5 size-4 shrink-0" />
            <span>
              {failing.map((r) => `${r.label} is ${r.ratio === null ? "not computable" : formatRatio(r.ratio)}`).join("; ")}
              , under WCAG AA's {AA_NORMAL_TEXT}:1: hard to read, and the server will refuse it. Make the text lighter or
              the {failing[0].bg} darker (or the other way round).
            </span>
          </p>
        )}
        {failing.length === 0 && weakMuted.length > 0 && (
          <p className="mt-3 text-xs text-muted">
            Muted text is under {AA_NORMAL_TEXT}:1 on the surface: fine for hints, but keep important words in the text colour.
          </p>
        )}
      </div>
    </section>
  );
}

/** A small mock of the app in the edited brand: the variables are set on this container only. */
export function BrandPreview({
  form,
  colors,
  uploadedFont = null,
}: {
  form: BrandForm;
  colors: BrandColors;
  /** The family an uploaded font file was loaded under (it goes ahead of the typed stack). */
  uploadedFont?: string | null;
}) {
  const typed = FONT_RE.test(form.font_family.trim()) ? form.font_family.trim() : DEFAULT_FONT;
  const font = withUploadedFont(uploadedFont, typed);
  const vars = {
    "--flowai-primary": colors.primary,
    "--flowai-secondary": colors.secondary,
    "--flowai-background": colors.background,
    "--flowai-surface": colors.surface,
    "--flowai-text": colors.text,
    "--flowai-muted": colors.muted,
    "--flowai-font": font,
  } as CSSProperties;
  const nav = ["Dashboard", ...FEATURES.filter((f) => form.features.includes(f)).map((f) => FEATURE_INFO[f].label)];
  const name = form.name.trim() || "Workspace";
  return (
    <Card title="Live preview" titleId="preview-title" description="Unsaved changes, as your members will see them.">
      <div className="p-4">
        <div
          role="group"
          aria-label="Brand preview"
          data-testid="brand-preview"
          style={vars}
          className="flowai-brand-scope overflow-hidden rounded-xl border border-text/15 text-sm shadow-lg"
        >
          <div className="flex items-center justify-between gap-3 border-b border-text/10 bg-surface px-4 py-3">
            <span className="flex min-w-0 items-center gap-2">
              <span aria-hidden="true" className="logo-image size-6 shrink-0 rounded-md" />
              <span className="truncate font-semibold text-text">{name}</span>
            </span>
            <span className="flex flex-wrap justify-end gap-x-3 gap-y-1 text-xs text-muted">
              {nav.map((item, i) => (
                <span key={item} className={i === 0 ? "font-medium text-primary" : ""}>
                  {item}
                </span>
              ))}
            </span>
          </div>
          <div className="bg-background p-4">
            <p className="text-xs font-medium text-primary">{name}</p>
            <p className="mt-0.5 text-lg font-semibold tracking-tight text-text">Good morning, Ada</p>
            <div className="mt-3 rounded-xl border border-text/10 bg-surface p-4">
              <p className="font-semibold text-text">Product launch teaser</p>
              <p className="mt-1 text-text">Your export is ready to share with the team.</p>
              <p className="mt-1 text-xs text-muted">1080p · 00:42 · 2 minutes ago</p>
              <div className="mt-2 h-1.5 overflow-hidden rounded-full bg-text/10">
                <div className="h-full w-2/3 rounded-full bg-linear-to-r from-primary to-secondary" />
              </div>
              <div className="mt-4 flex gap-2">
                <span className="inline-flex h-8 items-center rounded-lg bg-primary px-3 font-medium text-on-primary">
                  Export video
                </span>
                <span className="inline-flex h-8 items-center rounded-lg border border-text/15 bg-text/5 px-3 font-medium text-text">
                  Preview
                </span>
              </div>
            </div>
          </div>
        </div>
      </div>
    </Card>
  );
}

/** What each brand file card says (its checks and limits are in lib/brandFiles). */
interface FileText {
  description: string;
  inputLabel: string;
  updated: string;
  removed: string;
  removeBody: string;
}
const FILE_TEXT: Record<BrandFileKind, FileText> = {
  logo: {
    description: "PNG, JPEG, WebP or GIF, up to 2 MiB. Square works best.",
    inputLabel: "Upload a new logo",
    updated: "Logo updated everywhere.",
    removed: "Logo removed: the workspace shows its monogram again.",
    removeBody: "The workspace shows a monogram in its brand colours instead, on every page.",
  },
  favicon: {
    description: `The icon in browser tabs and bookmarks. PNG, JPEG, WebP, GIF or ICO, up to ${formatLimit(BRAND_FILES.favicon.maxBytes)}; 32×32 or larger, square.`,
    inputLabel: "Upload a new favicon",
    updated: "Favicon updated everywhere.",
    removed: "Favicon removed: browsers show the logo again.",
    removeBody: "Browser tabs and bookmarks show the workspace's logo instead.",
  },
  font: {
    description: "WOFF2, WOFF, TTF or OTF, up to 2 MiB. Used ahead of the font family, which stays the fallback.",
    inputLabel: "Upload a font file",
    updated: "Font updated everywhere.",
    removed: "Font file removed: the workspace uses the font family alone.",
    removeBody: "The workspace goes back to the font family alone (fonts your members have).",
  },
};

/** One uploaded brand file (logo, favicon or font): its preview, an upload input and Remove. */
function BrandFileCard({
  spec,
  uploaded,
  onChanged,
  preview,
  details,
}: {
  spec: BrandFileSpec;
  uploaded: boolean;
  onChanged: (tenant: Tenant) => void;
  preview: ReactNode;
  details?: ReactNode;
}) {
  const text = FILE_TEXT[spec.kind];
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const [confirming, setConfirming] = useState(false);
  const [removing, setRemoving] = useState(false);
  const [removeError, setRemoveError] = useState<string | null>(null);
  const inputRef = useRef<HTMLInputElement>(null);
  const id = useId();
  const titleId = `${id}-title`;

  const onFile = async (file: File | undefined) => {
    setError(null);
    setDone(null);
    if (!file) return;
    const problem = checkBrandFile(spec, file);
    if (problem) {
      setError(problem);
    } else {
      setBusy(true);
      try {
        onChanged(await uploadBrandFile(spec.kind, file));
        setDone(text.updated);
      } catch (err) {
        setError(uploadErrorMessage(err));
      } finally {
        setBusy(false);
      }
    }
    if (inputRef.current) inputRef.current.value = "";
  };

  const confirmRemove = async () => {
    setRemoving(true);
    setRemoveError(null);
    try {
      onChanged(await removeBrandFile(spec.kind));
      setConfirming(false);
      setError(null);
      setDone(text.removed);
    } catch (err) {
      setRemoveError(uploadErrorMessage(err));
    } finally {
      setRemoving(false);
    }
  };

  return (
    <Card
      title={spec.title}
      titleId={titleId}
      description={text.description}
      actions={
        uploaded ? (
          <Button
            size="sm"
            variant="secondary"
            aria-label={`Remove ${spec.noun}`}
            disabled={busy}
            onClick={() => {
              setRemoveError(null);
              setConfirming(true);
            }}
          >
            Remove
          </Button>
        ) : null
      }
    >
      <div className="flex items-center gap-4 px-6 py-5" data-testid={`brand-file-${spec.kind}`}>
        {preview}
        <div className="min-w-0 flex-1">
          <label htmlFor={id} className="mb-1.5 block text-sm font-medium text-text">
            {text.inputLabel}
          </label>
          <input
            ref={inputRef}
            id={id}
            type="file"
            accept={acceptOf(spec)}
            disabled={busy}
            aria-invalid={error ? true : undefined}
            aria-describedby={error ? `${id}-error` : details ? `${id}-details` : undefined}
            onChange={(e) => void onFile(e.target.files?.[0])}
            className="block w-full text-sm text-muted file:mr-3 file:rounded-lg file:border-0 file:bg-text/10 file:px-3 file:py-1.5 file:text-sm file:font-medium file:text-text hover:file:bg-text/15"
          />
          {details && (
            <div id={`${id}-details`} className="mt-1.5 text-xs text-muted">
              {details}
            </div>
          )}
          <p role="status" className={`text-xs ${busy ? "text-muted" : "text-success"} ${busy || done ? "mt-1.5" : ""}`}>
            {busy ? "Uploading…" : done}
          </p>
          {error && <FieldError id={`${id}-error`}>{error}</FieldError>}
        </div>
      </div>
      {confirming && (
        <ConfirmDialog
          title={`Remove the ${spec.noun}?`}
          confirmLabel={`Remove ${spec.noun}`}
          busy={removing}
          error={removeError}
          onConfirm={() => void confirmRemove()}
          onCancel={() => setConfirming(false)}
        >
          {text.removeBody} You can upload another at any time.
        </ConfirmDialog>
      )}
    </Card>
  );
}

/** The favicon as browsers show it: large, and at 16 px in a mock tab. */
function FaviconPreview({ src, name }: { src: string; name: string }) {
  return (
    <div className="grid shrink-0 justify-items-center gap-2">
      <img
        src={src}
        alt={`Current favicon of ${name}`}
        className="size-12 rounded-lg border border-text/10 bg-background object-contain p-1"
      />
      <span
        aria-hidden="true"
        className="flex max-w-24 items-center gap-1.5 rounded-t-md border border-b-0 border-text/15 bg-background/60 px-2 py-1 text-[10px] text-muted"
      >
        <img src={src} alt="" className="size-4 shrink-0 object-contain" />
        <span className="truncate">{name}</span>
      </span>
    </div>
  );
}

/** "Aa" in the uploaded font (or the font family while there is none). */
function FontSpecimen({ font, stack }: { font: LoadedFont; stack: string }) {
  return (
    <span
      aria-hidden="true"
      data-testid="font-specimen"
      style={{ fontFamily: withUploadedFont(font.family, stack) }}
      className="grid size-16 shrink-0 place-items-center rounded-xl border border-text/10 bg-background text-2xl text-text"
    >
      Aa
    </span>
  );
}

function FontDetails({ tenant, font }: { tenant: Tenant; font: LoadedFont }) {
  const { font_key: key, font_filename: filename, font_format: format } = tenant.brand;
  if (!key) return <>Now: the font family alone.</>;
  return (
    <>
      <span className="block truncate">
        <span className="font-medium text-text" data-testid="font-filename">
          {filename || "Uploaded font"}
        </span>
        {format && <> · {format.toUpperCase()}</>}
      </span>
      {font.status === "loading" && <span className="block">Loading the font for the preview…</span>}
      {font.status === "loaded" && <span className="block">In use as “FlowAI Brand Font”, ahead of the font family.</span>}
      {font.status === "error" && (
        <span className="block text-warning">
          This browser could not read the font file; members see the font family instead. Try a WOFF2 file.
        </span>
      )}
    </>
  );
}
