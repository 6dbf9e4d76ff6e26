import { type DragEvent, useEffect, useRef, useState } from "react";
import { ApiError } from "../../api/client";
import { Button } from "../../components/Button";
import { ProgressBar } from "../dashboard/JobsPanel";
import { type Asset, peaksFromWaveform, uploadAsset } from "./editorApi";
import { formatSeconds } from "./model";

export const ASSET_MIME = "application/x-flowai-asset";
/** Uploads sent at once; more wait their turn. */
export const UPLOAD_SLOTS = 3;

interface Upload {
  key: string;
  name: string;
  progress: number;
  error: string | null;
}

const waveformCache = new Map<string, Promise<number[]>>();

/** Peak magnitudes (0..1) of an asset's waveform JSON, fetched once per URL path. */
export function useWaveform(url: string | null | undefined, buckets = 64): number[] | null {
  const [peaks, setPeaks] = useState<number[] | null>(null);
  useEffect(() => {
    if (!url) return;
    const key = `${url.split("?")[0]}#${buckets}`;
    let p = waveformCache.get(key);
    if (!p) {
      p = fetch(url, { credentials: "same-origin" })
        .then((r) => (r.ok ? r.json() : { data: [] }))
        .then((j) => peaksFromWaveform(j as { data?: number[] }, buckets))
        .catch(() => []);
      waveformCache.set(key, p);
    }
    let live = true;
    void p.then((v) => live && setPeaks(v));
    return () => {
      live = false;
    };
  }, [url, buckets]);
  return peaks;
}

export function Waveform({ peaks, className = "" }: { peaks: number[] | null; className?: string }) {
  if (!peaks || peaks.length === 0) return null;
  const w = peaks.length;
  return (
    <svg viewBox={`0 0 ${w} 2`} preserveAspectRatio="none" aria-hidden="true" className={className}>
      <path
        d={peaks.map((p, i) => `M${i + 0.5} ${1 - Math.max(0.03, p)}V${1 + Math.max(0.03, p)}`).join("")}
        stroke="currentColor"
        strokeWidth={0.7}
        vectorEffect="non-scaling-stroke"
      />
    </svg>
  );
}

function AssetCard({ asset, onAdd }: { asset: Asset; onAdd: (a: Asset) => void }) {
  const peaks = useWaveform(asset.kind !== "image" ? asset.waveform_url : null, 48);
  const seconds = asset.duration_us / 1e6;
  const onDragStart = (e: DragEvent) => {
    e.dataTransfer.setData(ASSET_MIME, asset.id);
    e.dataTransfer.setData("text/plain", asset.filename);
    e.dataTransfer.effectAllowed = "copy";
  };
  const processing = asset.kind === "video" && !asset.proxy_url;
  return (
    <li
      draggable
      onDragStart={onDragStart}
      aria-label={`${asset.filename}, ${asset.kind}${asset.kind !== "image" ? `, ${formatSeconds(seconds)}` : ""}`}
      className="group rounded-lg border border-text/10 bg-background/40 p-1.5"
      data-asset-id={asset.id}
    >
      <div className="relative h-14 overflow-hidden rounded bg-text/5">
        {asset.thumbnails_url ? (
          <div
            aria-hidden="true"
            className="h-full w-full bg-no-repeat"
            style={{
              backgroundImage: `url("${asset.thumbnails_url}")`,
              backgroundSize: asset.kind === "video" ? "1000% 100%" : "cover",
              backgroundPosition: "0 50%",
            }}
          />
        ) : (
          <span className="grid h-full place-items-center text-xs text-muted">{asset.kind === "audio" ? "♪" : "…"}</span>
        )}
        {peaks && <Waveform peaks={peaks} className="absolute inset-x-0 bottom-0 h-5 w-full text-secondary" />}
        {asset.kind !== "image" && (
          <span className="absolute right-1 top-1 rounded bg-background/80 px-1 text-[10px] tabular-nums text-text">
            {formatSeconds(seconds)}
          </span>
        )}
      </div>
      <div className="mt-1 flex items-center justify-between gap-1">
        <span className="truncate text-xs text-text" title={asset.filename}>
          {asset.filename}
        </span>
        <Button size="sm" variant="ghost" className="h-6! px-1.5! text-xs" onClick={() => onAdd(asset)} aria-label={`Add ${asset.filename} to the timeline`}>
          + Add
        </Button>
      </div>
      {processing && <p className="text-[10px] text-muted">Making preview…</p>}
    </li>
  );
}

/** Upload (button or drag and drop, with progress), list the assets, drag them to the timeline. */
export function MediaBin({
  assets,
  onUploaded,
  onAdd,
  className = "",
}: {
  assets: Asset[];
  onUploaded: (a: Asset) => void;
  onAdd: (a: Asset) => void;
  /** Extra classes of the panel (the editor orders it below the timeline on a phone). */
  className?: string;
}) {
  const [uploads, setUploads] = useState<Upload[]>([]);
  const [over, setOver] = useState(false);
  const input = useRef<HTMLInputElement>(null);

  // uploads run side by side, at most UPLOAD_SLOTS at once (each with its own progress bar), so
  // the browser keeps connections free for the preview's media and the job event streams
  const waiting = useRef<(() => Promise<void>)[]>([]);
  const running = useRef(0);
  const pump = () => {
    while (running.current < UPLOAD_SLOTS && waiting.current.length) {
      const next = waiting.current.shift()!;
      running.current += 1;
      void next().finally(() => {
        running.current -= 1;
        pump();
      });
    }
  };
  const upload = (files: FileList | File[]) => {
    for (const file of Array.from(files)) {
      const key = `${file.name}-${Date.now()}-${Math.random()}`;
      setUploads((u) => [...u, { key, name: file.name, progress: 0, error: null }]);
      waiting.current.push(() =>
        uploadAsset(file, (progress) => setUploads((u) => u.map((x) => (x.key === key ? { ...x, progress } : x))))
          .then((asset) => {
            setUploads((u) => u.filter((x) => x.key !== key));
            onUploaded(asset);
          })
          .catch((err) => {
            const msg = err instanceof ApiError ? err.detail : String(err);
            setUploads((u) => u.map((x) => (x.key === key ? { ...x, error: msg } : x)));
          }),
      );
    }
    pump();
  };

  const onDrop = (e: DragEvent) => {
    e.preventDefault();
    setOver(false);
    if (e.dataTransfer.files.length) upload(e.dataTransfer.files);
  };

  return (
    <section aria-labelledby="bin-title" className={`flex min-h-0 flex-col rounded-xl border border-text/10 bg-surface ${className}`}>
      <header className="flex items-center justify-between border-b border-text/10 px-3 py-2">
        <h2 id="bin-title" className="text-sm font-semibold">
          Media
        </h2>
        <Button size="sm" variant="secondary" className="h-7!" onClick={() => input.current?.click()}>
          Upload
        </Button>
        <input
          ref={input}
          type="file"
          multiple
          accept="video/*,audio/*,image/*"
          className="sr-only"
          aria-label="Upload media files"
          onChange={(e) => {
            if (e.target.files) upload(e.target.files);
            e.target.value = "";
          }}
        />
      </header>
      <div
        onDragOver={(e) => {
          if (e.dataTransfer.types.includes("Files")) {
            e.preventDefault();
            setOver(true);
          }
        }}
        onDragLeave={() => setOver(false)}
        onDrop={onDrop}
        className={`min-h-0 flex-1 overflow-y-auto p-2 ${over ? "bg-primary/10 ring-2 ring-inset ring-primary" : ""}`}
      >
        {uploads.map((u) => (
          <div key={u.key} className="mb-2 rounded-lg border border-text/10 p-2 text-xs">
            <p className="truncate">{u.name}</p>
            {u.error ? (
              <p role="alert" className="mt-1 text-danger">
                {u.error}
              </p>
            ) : (
              <ProgressBar value={u.progress * 100} label={`Uploading ${u.name}`} />
            )}
          </div>
        ))}
        {assets.length === 0 && uploads.length === 0 && (
          <p className="px-1 py-6 text-center text-xs text-muted">Drop video, audio or images here.</p>
        )}
        <ul aria-label="Media bin" className="grid grid-cols-1 gap-2">
          {assets.map((a) => (
            <AssetCard key={a.id} asset={a} onAdd={onAdd} />
          ))}
        </ul>
      </div>
    </section>
  );
}
