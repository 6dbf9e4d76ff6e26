/**
 * The files a tenant's brand may carry (PUT/DELETE /v1/tenant/{logo,favicon,font}): what each
 * accepts, the checks the browser can make before uploading (the server checks the content
 * again), and the versioned URLs they are served at.
 */
import { ApiError } from "../api/client";

export type BrandFileKind = "logo" | "favicon" | "font";

export interface BrandFileSpec {
  kind: BrandFileKind;
  /** Card title. */
  title: string;
  /** "logo", "favicon", "font file": for labels and messages. */
  noun: string;
  /** "image" or "font file": what the size message calls an upload. */
  thing: string;
  /** Extensions (lower case, no dot) → MIME types browsers report for them. */
  formats: Record<string, string[]>;
  maxBytes: number;
  /** "PNG, JPEG, WebP or GIF". */
  describe: string;
}

const MiB = 1024 * 1024;
const IMAGE_FORMATS: Record<string, string[]> = {
  png: ["image/png"],
  jpg: ["image/jpeg"],
  jpeg: ["image/jpeg"],
  webp: ["image/webp"],
  gif: ["image/gif"],
};

export const BRAND_FILES: Record<BrandFileKind, BrandFileSpec> = {
  logo: {
    kind: "logo",
    title: "Logo",
    noun: "logo",
    thing: "image",
    formats: IMAGE_FORMATS,
    maxBytes: 2 * MiB,
    describe: "PNG, JPEG, WebP or GIF",
  },
  favicon: {
    kind: "favicon",
    title: "Favicon",
    noun: "favicon",
    thing: "image",
    formats: { ...IMAGE_FORMATS, ico: ["image/x-icon", "image/vnd.microsoft.icon"] },
    maxBytes: 512 * 1024,
    describe: "PNG, JPEG, WebP, GIF or ICO",
  },
  font: {
    kind: "font",
    title: "Font file",
    noun: "font file",
    thing: "font file",
    formats: {
      woff2: ["font/woff2"],
      woff: ["font/woff", "application/font-woff", "application/x-font-woff"],
      ttf: ["font/ttf", "font/sfnt", "application/x-font-ttf", "application/x-font-truetype"],
      otf: ["font/otf", "font/sfnt", "application/x-font-otf", "application/x-font-opentype"],
    },
    maxBytes: 2 * MiB,
    describe: "WOFF2, WOFF, TTF or OTF",
  },
};

/** The `accept` attribute of the file input: extensions and MIME types. */
export function acceptOf(spec: BrandFileSpec): string {
  const exts = Object.keys(spec.formats).map((e) => `.${e}`);
  const mimes = [...new Set(Object.values(spec.formats).flat())];
  return [...exts, ...mimes].join(",");
}

/** "3.1 MiB", "513 KiB", "20 bytes": rounded up, so a file over a limit never reads as equal to it. */
export function formatSize(bytes: number): string {
  if (bytes >= MiB) return `${(Math.ceil((bytes / MiB) * 10) / 10).toFixed(1)} MiB`;
  if (bytes >= 1024) return `${Math.ceil(bytes / 1024)} KiB`;
  return `${bytes} bytes`;
}

/** "2 MiB", "512 KiB": a limit, which is always whole. */
export function formatLimit(bytes: number): string {
  return bytes >= MiB ? `${bytes / MiB} MiB` : `${bytes / 1024} KiB`;
}

function extensionOf(name: string): string {
  const dot = name.lastIndexOf(".");
  return dot < 0 ? "" : name.slice(dot + 1).toLowerCase();
}

/**
 * Why a chosen file cannot be uploaded, or null when it may go: its type (by MIME type or by
 * extension, since browsers often report fonts and icons as "") and its size.
 */
export function checkBrandFile(spec: BrandFileSpec, file: Pick<File, "name" | "type" | "size">): string | null {
  const mimes = Object.values(spec.formats).flat();
  const known = mimes.includes(file.type.toLowerCase()) || extensionOf(file.name) in spec.formats;
  if (!known) return `Choose a ${spec.describe} ${spec.kind === "font" ? "font file" : "image"}.`;
  if (file.size === 0) return `That ${spec.thing} is empty.`;
  if (file.size > spec.maxBytes)
    return `That ${spec.thing} is ${formatSize(file.size)}; ${spec.noun}s are limited to ${formatLimit(spec.maxBytes)}.`;
  return null;
}

/** The server's message for a refused upload ("a favicon is limited to 512 KiB" → a sentence). */
export function uploadErrorMessage(err: unknown): string {
  if (err instanceof ApiError) {
    const field = err.fieldErrors.body;
    if (field) return sentence(field);
    return err.detail;
  }
  if (err instanceof Error) return err.message;
  return "Something went wrong.";
}

function sentence(text: string): string {
  const t = text.trim();
  return t.charAt(0).toUpperCase() + t.slice(1) + (/[.!?]$/.test(t) ? "" : ".");
}

/** The upload's id in a storage key `t/<tenant>/brand/<id>/<name>` (what the server versions URLs by). */
export function brandFileVersion(key: string): string {
  const parts = key.split("/");
  return parts.length >= 2 ? parts[parts.length - 2] : key;
}

/** `/v1/tenant/font?v=<id>`: a URL that changes with every upload, so no cache shows an old file. */
export function brandFileUrl(kind: BrandFileKind, key: string): string {
  return `/v1/tenant/${kind}?v=${encodeURIComponent(brandFileVersion(key))}`;
}

/**
 * The favicon browsers should show (as the server's theme `favicon_url`): the uploaded favicon,
 * else the logo; `fallbackVersion` busts the cache of the default monogram, whose colours change.
 */
export function faviconHref(
  brand: { favicon_key?: string | null; logo_key?: string | null },
  fallbackVersion: string | number,
): string {
  const key = brand.favicon_key || brand.logo_key;
  return key ? brandFileUrl("favicon", key) : `/v1/tenant/favicon?v=${encodeURIComponent(String(fallbackVersion))}`;
}

/** The CSS `format()` hint of a font format the server reports ("ttf" → "truetype"). */
export function cssFontFormat(format: string | null | undefined): string | null {
  const formats: Record<string, string> = { woff2: "woff2", woff: "woff", ttf: "truetype", otf: "opentype" };
  return format ? (formats[format.toLowerCase()] ?? null) : null;
}

/** The `src` descriptor of an @font-face / FontFace for a font at `url`. */
export function fontSource(url: string, format: string | null | undefined): string {
  const safe = url.replace(/["\\\n\r]/g, (c) => encodeURIComponent(c));
  const hint = cssFontFormat(format);
  return hint ? `url("${safe}") format("${hint}")` : `url("${safe}")`;
}

/** A family name only the admin's preview uses, unique per upload (never the app's "FlowAI Brand Font"). */
export function previewFontFamily(url: string): string {
  const v = /[?&]v=([^&]*)/.exec(url)?.[1] ?? "";
  const clean = v.replace(/%[0-9A-Fa-f]{2}/g, "").replace(/[^A-Za-z0-9-]/g, "");
  return `FlowAI Brand Preview ${clean || "font"}`;
}

/** A font stack with the uploaded font ahead of the typed family, as /theme.css declares it. */
export function withUploadedFont(family: string | null, stack: string): string {
  return family ? `"${family}", ${stack}` : stack;
}
