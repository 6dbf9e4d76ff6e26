import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { MemoryRouter, Route, Routes } from "react-router";
import { afterEach, describe, expect, it, vi } from "vitest";
import { App } from "../../App";
import { THEME, USER, fakeApi, json, problem } from "../../test/fakeApi";
import { OfferShares, displayPrice, percentToBps } from "./OfferShares";

const OFFER_ID = "01KOFFER0000000000000000AB";
const VAULT = "0x7e96cb9d73bA8F8AAaE981B9bdEf582Edb975689";
const OFFER = {
  id: OFFER_ID, title: "Sunset timelapse", status: "listed", page_url: `/v/${OFFER_ID}`,
  poster_url: `/v1/offers/${OFFER_ID}/poster`, video_url: `/v1/offers/${OFFER_ID}/video`,
  chain_id: 545, chain_name: "Flow EVM Testnet", nft: "0x5FbDB2315678afecb367f032d93F642f64180aa3", token_id: "7",
  vault: VAULT, creator: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8", explorer_url: "https://explorer.example",
  total_shares: 1000000, price_per_share_wei: "1000000000000000", shares_for_sale: 990, shares_sold: 10, holders: 2,
  revenue_share_bps: 2500, platform_fee_bps: 250, revenue_to_date_wei: "5000000000000000000",
  shareholder_revenue_wei: "1250000000000000000", deposited_wei: "0",
  revenue_history: [
    { at: "2026-11-20T10:00:00Z", source: "ad", amount_wei: "4000000000000000000", shareholder_wei: "1000000000000000000" },
    { at: "2026-11-25T10:00:00Z", source: "tip", amount_wei: "1000000000000000000", shareholder_wei: "250000000000000000" },
  ],
  display_currency: "EUR", display_rate: "0.5", indexed_block: 12, created_at: "2026-11-19T10:00:00Z",
};
const TERMS = {
  total_shares: 1000000, platform_fee_bps: 250, display_currency: "EUR", display_rate: "0.5", chain_id: 545,
  chain_name: "Flow EVM Testnet", estimated_gas: 3010000, creator_gas: 240000, gas_price_wei: "2000000000",
  estimated_gas_cost_wei: "6020000000000000",
};

afterEach(() => {
  vi.unstubAllGlobals();
});

function renderApp(path: string) {
  return render(
    <MemoryRouter initialEntries={[path]}>
      <App />
    </MemoryRouter>,
  );
}

describe("the public offer page", () => {
  it("renders signed out, without a redirect to login, with figures, chart and explorer links", async () => {
    fakeApi({
      "GET /v1/tenant/theme": () => json(THEME),
      "GET /v1/me": () => problem(401, { title: "Unauthorized" }),
      [`GET /v1/offers/${OFFER_ID}`]: () => json(OFFER),
    });
    renderApp(`/v/${OFFER_ID}`);
    expect(await screen.findByRole("heading", { name: "Sunset timelapse", level: 1 })).toBeTruthy();
    expect(screen.getByTestId("offer-price").textContent).toContain("0.001 FLOW");
    expect(screen.getByText("≈ €0.0005")).toBeTruthy();
    expect(screen.getByTestId("offer-sold").textContent).toContain("10 of 1,000");
    expect(screen.getByTestId("offer-holders").textContent).toContain("2");
    expect(screen.getByTestId("offer-revenue").textContent).toContain("5 FLOW");
    expect(screen.getByTestId("revenue-chart").getAttribute("aria-label")).toBe("Revenue to date: 5 FLOW over 2 payments");
    expect(screen.getByTestId("offer-player").getAttribute("src")).toBe(`/v1/offers/${OFFER_ID}/video`);
    expect(screen.getByTestId("offer-player").getAttribute("poster")).toBe(`/v1/offers/${OFFER_ID}/poster`);
    expect(screen.getByRole("link", { name: VAULT }).getAttribute("href")).toBe(`https://explorer.example/address/${VAULT}`);
    // a visitor is asked to sign up first (and comes back here), never sent to the login page
    expect(screen.getByRole("link", { name: "Invest in this video" }).getAttribute("href")).toBe("/signup");
    expect(screen.queryByRole("heading", { name: /sign in/i })).toBeNull();
  });

  it("shows the Invest panel to a signed-in visitor", async () => {
    fakeApi({
      "GET /v1/tenant/theme": () => json(THEME),
      "GET /v1/me": () => json(USER),
      [`GET /v1/offers/${OFFER_ID}`]: () => json(OFFER),
    });
    renderApp(`/v/${OFFER_ID}`);
    const panel = await screen.findByRole("group", { name: `Invest in ${OFFER_ID}` });
    expect(within(panel).getByRole("button", { name: "Invest in this video" }).hasAttribute("disabled")).toBe(false);
  });

  it("says so for an unknown offer", async () => {
    fakeApi({
      "GET /v1/tenant/theme": () => json(THEME),
      "GET /v1/me": () => problem(401, {}),
      "GET /v1/offers/nope": () => problem(404, { title: "Not Found", detail: "Offer not found" }),
    });
    renderApp("/v/nope");
    expect(await screen.findByText(/This offer does not exist/)).toBeTruthy();
  });
});

describe("Offer shares on an export", () => {
  it("shows fee, gas and display price, then offers and links the public page", async () => {
    const user = userEvent.setup();
    let offered = false;
    const api = fakeApi({
      "GET /v1/shares/offer-terms": () => json(TERMS),
      "GET /v1/videos/exp1/shares": () =>
        offered
          ? json({ video_id: "exp1", status: "listed", offer_id: OFFER_ID, page_url: `/v/${OFFER_ID}`, shares_for_sale: 5000,
              price_per_share_wei: "2000000000000000", creator_calls: [] })
          : problem(404, { title: "Not Found" }),
      "POST /v1/exports/exp1/shares": () => {
        offered = true;
        return json({ video_id: "exp1", status: "queued", job_id: "job9", offer_id: OFFER_ID }, { status: 202 });
      },
      "GET /v1/jobs/job9": () => json({ id: "job9", status: "succeeded", progress: 100, stage: "done" }),
    });
    vi.stubGlobal("EventSource", undefined);
    document.cookie = "flowai_csrf=csrf-offer; path=/";
    render(
      <MemoryRouter>
        <Routes>
          <Route path="*" element={<OfferShares exportId="exp1" />} />
        </Routes>
      </MemoryRouter>,
    );
    await user.click(screen.getByRole("button", { name: "Offer shares" }));
    const form = screen.getByRole("region", { name: "Offer shares" });
    const price = within(form).getByLabelText("Price per share (FLOW)");
    await user.clear(price);
    await user.type(price, "0.002");
    const count = within(form).getByLabelText("Shares to sell");
    await user.clear(count);
    await user.type(count, "5000");
    const pct = within(form).getByLabelText("Revenue share for holders (%)");
    await user.clear(pct);
    await user.type(pct, "12.5");
    await waitFor(() => expect(within(form).getByTestId("offer-fee").textContent).toContain("0.25 FLOW"));
    expect(within(form).getByTestId("offer-gross").textContent).toContain("10 FLOW");
    expect(within(form).getByTestId("offer-net").textContent).toContain("9.75 FLOW");
    expect(within(form).getByTestId("offer-gas").textContent).toContain("3,010,000 gas ≈ 0.00602 FLOW");
    expect(within(form).getByText("≈ €0.001")).toBeTruthy();

    await user.click(within(form).getByRole("button", { name: "Confirm offer" }));
    const link = await screen.findByRole("link", { name: "Open the offer page" }, { timeout: 4000 });
    expect(link.getAttribute("href")).toBe(`/v/${OFFER_ID}`);
    const [post] = api.callsTo("POST /v1/exports/exp1/shares");
    expect(post.body).toEqual({ price_per_share_wei: "2000000000000000", shares_for_sale: 5000, revenue_share_bps: 1250 });
  });

  it("refuses bad numbers before sending anything", async () => {
    const user = userEvent.setup();
    const api = fakeApi({ "GET /v1/shares/offer-terms": () => json(TERMS), "GET /v1/videos/exp1/shares": () => problem(404, {}) });
    render(<MemoryRouter><OfferShares exportId="exp1" /></MemoryRouter>);
    await user.click(screen.getByRole("button", { name: "Offer shares" }));
    const count = screen.getByLabelText("Shares to sell");
    await user.clear(count);
    await user.type(count, "1000001");
    expect(screen.getByText("Choose between 1 and 1,000,000 shares.")).toBeTruthy();
    expect(screen.getByRole("button", { name: "Confirm offer" }).hasAttribute("disabled")).toBe(true);
    expect(api.callsTo("POST /v1/exports/exp1/shares")).toHaveLength(0);
  });
});

describe("offer helpers", () => {
  it("reads percentages as basis points exactly", () => {
    expect(percentToBps("50")).toBe(5000);
    expect(percentToBps("12.5")).toBe(1250);
    expect(percentToBps("0.01")).toBe(1);
    expect(percentToBps("100")).toBe(10000);
    expect(percentToBps("100.01")).toBeNull();
    expect(percentToBps("1.234")).toBeNull();
    expect(percentToBps("-1")).toBeNull();
  });

  it("shows a display price only with a currency and a rate", () => {
    expect(displayPrice(10n ** 18n, { display_currency: "EUR", display_rate: "0.52" })).toBe("≈ €0.52");
    expect(displayPrice(10n ** 18n, { display_currency: null, display_rate: null })).toBeNull();
  });
});
