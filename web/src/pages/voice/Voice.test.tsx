import { render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { MemoryRouter } from "react-router";
import { afterEach, describe, expect, it, vi } from "vitest";
import { App } from "../../App";
import { THEME, USER, fakeApi, json, problem } from "../../test/fakeApi";
import { EMPTY_METER, measure, measureSamples } from "./meter";

const READY = {
  status: "ready", voice_id: "local_abc", engine: "local",
  clone: {
    id: "c1", status: "ready", engine: "local", voice_id: "local_abc", job_id: "j1",
    report: { speech_s: 73.6, snr_db: 30 }, quality: { similarity: 0.62, base_similarity: 0.31, wer: 0.13, sentences: [], transcript: "" },
    error: null, error_code: null, created_at: "2026-11-26T10:00:00Z", ready_at: "2026-11-26T10:01:00Z",
  },
  last_attempt: null,
};
const NONE = { status: "none", voice_id: null, engine: "local", clone: null, last_attempt: null };

const PROCESSING_CLONE = {
  id: "c2", status: "processing", engine: "local", voice_id: null, job_id: "j2", report: {}, quality: null,
  error: null, error_code: null, created_at: "2026-11-26T10:00:00Z", ready_at: null, progress: 0, stage: "queued",
};

/** An EventSource the test drives: `FakeEventSource.last.emit("progress", {...})`. */
class FakeEventSource {
  static last: FakeEventSource | null = null;
  listeners: Record<string, ((e: MessageEvent<string>) => void)[]> = {};
  onerror: (() => void) | null = null;
  closed = false;
  constructor(readonly url: string) {
    FakeEventSource.last = this;
  }
  addEventListener(type: string, fn: (e: MessageEvent<string>) => void) {
    (this.listeners[type] ??= []).push(fn);
  }
  close() {
    this.closed = true;
  }
  emit(type: string, data: unknown) {
    for (const fn of this.listeners[type] ?? []) fn(new MessageEvent(type, { data: JSON.stringify(data) }));
  }
}

afterEach(() => {
  vi.unstubAllGlobals();
  FakeEventSource.last = null;
});

function renderVoice() {
  return render(
    <MemoryRouter initialEntries={["/voice"]}>
      <App />
    </MemoryRouter>,
  );
}

describe("meter", () => {
  it("counts loud blocks as speech and flags clipping", () => {
    const loud = new Float32Array(800).fill(0.2);
    const quiet = new Float32Array(800).fill(0.001);
    let m = measure(EMPTY_METER, loud, 0.05);
    m = measure(m, quiet, 0.05);
    expect(m.speechSeconds).toBeCloseTo(0.05);
    expect(m.clipped).toBe(false);
    expect(measureSamples(new Float32Array(16000).fill(1), 16000).clipped).toBe(true);
  });
});

describe("Voice page", () => {
  it("shows the quality numbers of a ready voice and plays both voices", async () => {
    document.cookie = "flowai_csrf=csrf-voice; path=/";
    const api = fakeApi({
      "GET /v1/tenant/theme": () => json(THEME),
      "GET /v1/me": () => json(USER),
      "GET /v1/voice": () => json(READY),
      "POST /v1/tts": (call) =>
        json({ id: `n-${(call.body as { voice: string }).voice}`, status: "ready", voice: "x", job_id: null,
          download_url: `/a/${(call.body as { voice: string }).voice}.wav`, wer: 0.1, wer_passed: true, attempts: 1, error: null },
          { status: 201 }),
    });
    renderVoice();
    expect(await screen.findByText("62%")).toBeTruthy();
    expect(screen.getByText("13%")).toBeTruthy();
    await userEvent.click(screen.getByRole("button", { name: "Speak" }));
    await waitFor(() => expect(screen.getByLabelText("Cloned voice")).toBeTruthy());
    expect(screen.getByLabelText("Default voice").getAttribute("src")).toBe("/a/default.wav");
    expect(api.callsTo("POST /v1/tts").map((c) => (c.body as { voice: string }).voice).sort()).toEqual(["default", "me"]);
  });

  it("needs consent before uploading and shows the server's reason for a refusal", async () => {
    document.cookie = "flowai_csrf=csrf-voice; path=/";
    const api = fakeApi({
      "GET /v1/tenant/theme": () => json(THEME),
      "GET /v1/me": () => json(USER),
      "GET /v1/voice": () => json(NONE),
      "POST /v1/voice/clone?consent=true&filename=me.wav": () =>
        problem(422, { type: "https://flowai.dev/problems/voice-too-short", detail: "Only 20 s of speech was found." }),
    });
    renderVoice();
    await screen.findByText("No voice yet.");
    await userEvent.upload(screen.getByLabelText("Upload a recording"), new File(["RIFF"], "me.wav", { type: "audio/wav" }));
    const button = screen.getByRole("button", { name: "Clone my voice" }) as HTMLButtonElement;
    expect(button.disabled).toBe(true);
    await userEvent.click(screen.getByRole("checkbox"));
    await userEvent.click(button);
    expect(await screen.findByText("Only 20 s of speech was found.")).toBeTruthy();
    expect(api.callsTo("POST /v1/voice/clone?consent=true&filename=me.wav")[0].raw).toBeInstanceOf(Blob);
  });

  it("shows the upload's progress, then each stage of the job with its percentage, then the result", async () => {
    document.cookie = "flowai_csrf=csrf-voice; path=/";
    vi.stubGlobal("EventSource", FakeEventSource);
    let voice: unknown = NONE;
    let job = { id: "j2", status: "queued", progress: 0, stage: "queued", error: null };
    let answer: (r: Response) => void = () => {};
    fakeApi({
      "GET /v1/tenant/theme": () => json(THEME),
      "GET /v1/me": () => json(USER),
      "GET /v1/voice": () => json(voice),
      "GET /v1/jobs/j2": () => json(job),
      "POST /v1/voice/clone?consent=true&filename=me.wav": () => new Promise<Response>((r) => (answer = r)),
    });
    renderVoice();
    await screen.findByText("No voice yet.");
    await userEvent.upload(screen.getByLabelText("Upload a recording"), new File(["RIFF....WAVE"], "me.wav", { type: "audio/wav" }));
    await userEvent.click(screen.getByRole("checkbox"));
    await userEvent.click(screen.getByRole("button", { name: "Clone my voice" }));

    // the upload itself: XMLHttpRequest progress, before the server has answered
    expect(await screen.findByText("Uploading… 100%")).toBeTruthy();
    expect(screen.getByRole("progressbar", { name: "Upload" }).getAttribute("aria-valuenow")).toBe("100");
    voice = { ...NONE, status: "processing", clone: PROCESSING_CLONE, last_attempt: PROCESSING_CLONE };
    answer(json(PROCESSING_CLONE, { status: 202 }));
    expect(await screen.findByText("Waiting to start… 0%")).toBeTruthy();
    await waitFor(() => expect(FakeEventSource.last?.url).toBe("/v1/jobs/j2/events"));

    // each stage as the job reports it over SSE
    const stream = FakeEventSource.last as FakeEventSource;
    const steps: [string, number, string][] = [
      ["checking the recording", 2, "Checking the recording… 2%"],
      ["building your voice", 48, "Building your voice… 48%"],
      ["checking quality", 75, "Checking quality… 75%"],
      ["saving", 95, "Saving… 95%"],
    ];
    for (const [stage, progress, text] of steps) {
      stream.emit("progress", { id: "j2", status: "running", progress, stage, error: null });
      expect(await screen.findByText(text)).toBeTruthy();
    }
    const list = screen.getByRole("list", { name: "Cloning steps" });
    expect(list.querySelector("[data-state=current]")?.textContent).toBe("Saving");
    expect(list.querySelectorAll("[data-state=done]")).toHaveLength(4);

    // done: the result replaces the progress
    job = { id: "j2", status: "succeeded", progress: 100, stage: "succeeded", error: null };
    voice = READY;
    stream.emit("done", job);
    expect(await screen.findByText("62%")).toBeTruthy();
    expect(screen.queryByLabelText("Cloning progress")).toBeNull();
    expect(stream.closed).toBe(true);
  });

  it("shows why a clone failed in plain words, and Try again starts over", async () => {
    document.cookie = "flowai_csrf=csrf-voice; path=/";
    vi.stubGlobal("EventSource", FakeEventSource);
    const reason = "The recording is too quiet: speak closer to the microphone.";
    let voice: unknown = NONE;
    let job = { id: "j2", status: "running", progress: 2, stage: "checking the recording", error: null as string | null };
    fakeApi({
      "GET /v1/tenant/theme": () => json(THEME),
      "GET /v1/me": () => json(USER),
      "GET /v1/voice": () => json(voice),
      "GET /v1/jobs/j2": () => json(job),
      "POST /v1/voice/clone?consent=true&filename=me.wav": () => json(PROCESSING_CLONE, { status: 202 }),
    });
    renderVoice();
    await screen.findByText("No voice yet.");
    await userEvent.upload(screen.getByLabelText("Upload a recording"), new File(["RIFF"], "me.wav", { type: "audio/wav" }));
    await userEvent.click(screen.getByRole("checkbox"));
    await userEvent.click(screen.getByRole("button", { name: "Clone my voice" }));
    expect(await screen.findByText("Checking the recording… 2%")).toBeTruthy();
    await waitFor(() => expect(FakeEventSource.last).not.toBeNull());

    const failed = { ...PROCESSING_CLONE, status: "failed", error: reason, error_code: "too_quiet", progress: null, stage: null };
    voice = { ...NONE, status: "failed", clone: failed, last_attempt: failed };
    job = { id: "j2", status: "failed", progress: 2, stage: "failed", error: reason };
    (FakeEventSource.last as FakeEventSource).emit("done", job);
    const alert = await screen.findByTestId("clone-failed");
    expect(alert.textContent).toContain(reason);
    expect(screen.queryByLabelText("Cloning progress")).toBeNull();

    await userEvent.click(screen.getByRole("button", { name: "Try again" }));
    expect(screen.queryByTestId("clone-failed")).toBeNull();
    expect((screen.getByRole("button", { name: "Clone my voice" }) as HTMLButtonElement).disabled).toBe(true);
    expect(document.activeElement).toBe(screen.getByRole("button", { name: "Record" }));
  });

  it("follows a clone already running when the page opens", async () => {
    vi.stubGlobal("EventSource", FakeEventSource);
    const running = { ...PROCESSING_CLONE, progress: 40, stage: "building your voice" };
    fakeApi({
      "GET /v1/tenant/theme": () => json(THEME),
      "GET /v1/me": () => json(USER),
      "GET /v1/voice": () => json({ ...NONE, status: "processing", clone: running, last_attempt: running }),
      "GET /v1/jobs/j2": () => json({ id: "j2", status: "running", progress: 41, stage: "building your voice", error: null }),
    });
    renderVoice();
    expect(await screen.findByText(/Building your voice… 4[01]%/)).toBeTruthy();
  });
});
