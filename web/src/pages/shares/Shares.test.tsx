import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { MemoryRouter } from "react-router";
import { afterEach, describe, expect, it, vi } from "vitest";
import { App } from "../../App";
import { THEME, USER, fakeApi, json } from "../../test/fakeApi";
import { walletMessage } from "./wallet";
import { encodeCall, flowText, formatFlow, parseFlow } from "./wei";

const VAULT = "0x7e96cb9d73bA8F8AAaE981B9bdEf582Edb975689";
const FAN = "0x3c44cdddb6a900fa2b585dd299e03d12fa4293bc";
const VIDEO = {
  video_id: "viral-1", status: "listed", error: null, job_id: "job1", chain_id: 545, token_id: "1", vault: VAULT,
  creator: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8", total_shares: 1000000,
  price_per_share_wei: "1000000000000000", shares_for_sale: 900, shares_sold: 100, sales_wei: "100000000000000000",
  holders: 3, revenue_share_bps: 5000, revenue_to_date_wei: "2500000000000000000",
  shareholder_revenue_wei: "1250000000000000000", deposited_wei: "1250000000000000000", pending_deposit_wei: "0",
  indexed_block: 9, created_at: "2026-11-26T10:00:00Z",
};
const CHAIN = {
  chain_id: 545, chain_id_hex: "0x221", chain_name: "Flow EVM Testnet", rpc_url: "http://127.0.0.1:8545",
  nft: "0x1", factory: "0x2", vault_abi: [],
  selectors: { "buy(uint256,uint256)": "0xd6febde8", "claim()": "0x4e71d92d" },
  errors: { "0x12345678": "ExceedsListed", "0x8b8675a5": "PriceAboveMax" },
};

function setup(extra: Record<string, () => Response> = {}) {
  document.cookie = "flowai_csrf=csrf-shares; path=/";
  return fakeApi({
    "GET /v1/tenant/theme": () => json(THEME),
    "GET /v1/me": () => json(USER),
    "GET /v1/shares?limit=100": () => json({ items: [VIDEO], next_cursor: null }),
    "GET /v1/shares/chain": () => json(CHAIN),
    [`GET /v1/shares/holdings/${FAN}`]: () =>
      json({ address: FAN, items: [], total_claimable_wei: "0" }),
    "POST /v1/shares/index": () => json({ applied: 1 }),
    ...extra,
  });
}

/** A fake EIP-1193 wallet: answers `answers[method]` (a value or a function of params). */
function wallet(answers: Record<string, unknown>) {
  const requests: { method: string; params?: unknown[] }[] = [];
  const provider = {
    request: vi.fn(async (args: { method: string; params?: unknown[] }) => {
      requests.push(args);
      const answer = answers[args.method];
      if (typeof answer === "function") return (answer as (p?: unknown[]) => unknown)(args.params);
      if (answer === undefined) throw Object.assign(new Error(`unexpected ${args.method}`), { code: -32601 });
      return answer;
    }),
  };
  vi.stubGlobal("ethereum", provider);
  return requests;
}

function renderShares() {
  return render(
    <MemoryRouter initialEntries={["/shares"]}>
      <App />
    </MemoryRouter>,
  );
}

afterEach(() => vi.unstubAllGlobals());

describe("wei helpers", () => {
  it("formats wei as FLOW without floats and encodes buy(uint256)", () => {
    expect(formatFlow("1000000000000000")).toBe("0.001 FLOW");
    expect(formatFlow("123456789000000000000000")).toBe("123,456.789 FLOW");
    expect(formatFlow("1")).toBe("< 0.000001 FLOW");
    expect(formatFlow(0n)).toBe("0 FLOW");
    expect(encodeCall("0xd96a094a", 10n)).toBe(`0xd96a094a${"0".repeat(63)}a`);
    expect(walletMessage({ code: 4001, message: "User rejected" })).toMatch(/rejected/);
    expect(walletMessage({ message: "insufficient funds for gas * price + value" })).toMatch(/Not enough FLOW/);
    expect(walletMessage({ message: "execution reverted", data: "0x12345678" + "0".repeat(128) }, CHAIN)).toMatch(
      /Sold out/,
    );
  });
});

describe("Shares page", () => {
  it("lists fractionalised videos with price, sold, holders and revenue", async () => {
    setup();
    renderShares();
    const card = await screen.findByRole("region", { name: "Video viral-1" });
    expect(within(card).getByText("0.001 FLOW")).toBeTruthy();
    expect(within(card).getByText("100 of 1,000")).toBeTruthy();
    expect(within(card).getByText("2.5 FLOW")).toBeTruthy();
    expect(within(card).getByRole("button", { name: "Invest in this video" })).toBeTruthy();
  });

  it("says plainly when the wallet is on another chain", async () => {
    setup();
    wallet({
      eth_requestAccounts: [FAN],
      eth_chainId: "0x1",
      wallet_switchEthereumChain: () => {
        throw Object.assign(new Error("no"), { code: 4001 });
      },
    });
    renderShares();
    await userEvent.click(await screen.findByRole("button", { name: "Invest in this video" }));
    expect((await screen.findByRole("alert")).textContent).toMatch(/Switch your wallet to Flow EVM Testnet \(chain id 545\)/);
  });

  it("buys shares with the encoded call and shows pending then confirmed", async () => {
    const api = setup();
    const requests = wallet({
      eth_requestAccounts: [FAN],
      eth_chainId: "0x221",
      eth_sendTransaction: "0xabc123",
      eth_getTransactionReceipt: { status: "0x1", blockNumber: "0x2a" },
    });
    renderShares();
    await userEvent.click(await screen.findByRole("button", { name: "Invest in this video" }));
    const amount = await screen.findByLabelText("Shares to buy");
    await userEvent.clear(amount);
    await userEvent.type(amount, "3");
    await userEvent.click(screen.getByRole("button", { name: "Buy 3 shares" }));
    await waitFor(() => expect(screen.getByRole("status").textContent).toMatch(/confirmed in block 42/));
    const sent = requests.find((r) => r.method === "eth_sendTransaction");
    expect(sent?.params?.[0]).toEqual({
      from: FAN, to: VAULT, data: encodeCall("0xd6febde8", 3n, 10n ** 15n), value: "0xaa87bee538000",
    });
    expect(api.callsTo("POST /v1/shares/index").length).toBeGreaterThan(0);
  });

  it("shows a rejected signature in words", async () => {
    setup();
    wallet({
      eth_requestAccounts: [FAN],
      eth_chainId: "0x221",
      eth_sendTransaction: () => {
        throw Object.assign(new Error("User denied"), { code: 4001 });
      },
    });
    renderShares();
    await userEvent.click(await screen.findByRole("button", { name: "Invest in this video" }));
    await userEvent.click(await screen.findByRole("button", { name: "Buy 1 shares" }));
    expect((await screen.findByRole("status")).textContent).toMatch(/You rejected the request in your wallet/);
  });

  it("parses and prints FLOW amounts exactly", () => {
    expect(parseFlow("0.001")).toBe(10n ** 15n);
    expect(parseFlow("1.000000000000000001")).toBe(10n ** 18n + 1n);
    expect(parseFlow("12")).toBe(12n * 10n ** 18n);
    for (const bad of ["", ".", "1e3", "-1", "0.0000000000000000001", "1,5"]) expect(parseFlow(bad)).toBeNull();
    expect(flowText(1500000000000000000n)).toBe("1.5");
    expect(flowText(10n ** 15n)).toBe("0.001");
  });

  it("passes the max price per share to buy and pays up to it", async () => {
    setup();
    const requests = wallet({
      eth_requestAccounts: [FAN],
      eth_chainId: "0x221",
      eth_sendTransaction: "0xabc123",
      eth_getTransactionReceipt: { status: "0x1", blockNumber: "0x2a" },
    });
    renderShares();
    await userEvent.click(await screen.findByRole("button", { name: "Invest in this video" }));
    const max = await screen.findByLabelText("Max price per share (FLOW)");
    expect((max as HTMLInputElement).value).toBe("0.001");
    await userEvent.clear(max);
    await userEvent.type(max, "0.0009");
    expect((await screen.findByRole("alert")).textContent).toMatch(/Below the listed price/);
    expect((screen.getByRole("button", { name: "Buy 1 shares" }) as HTMLButtonElement).disabled).toBe(true);
    await userEvent.clear(max);
    await userEvent.type(max, "0.0015");
    await userEvent.click(screen.getByRole("button", { name: "Buy 1 shares" }));
    await waitFor(() => expect(screen.getByRole("status").textContent).toMatch(/confirmed in block 42/));
    const sent = requests.find((r) => r.method === "eth_sendTransaction");
    expect(sent?.params?.[0]).toEqual({
      from: FAN, to: VAULT, data: encodeCall("0xd6febde8", 1n, 15n * 10n ** 14n), value: "0x5543df729c000",
    });
  });

  it("explains a purchase refused for a price above the max", () => {
    const text = walletMessage({ code: -32000, message: "execution reverted", data: "0x8b8675a5" + "0".repeat(128) }, CHAIN);
    expect(text).toMatch(/rose above your max price per share/);
  });

  it("refuses more shares than are left", async () => {
    setup();
    wallet({ eth_requestAccounts: [FAN], eth_chainId: "0x221" });
    renderShares();
    await userEvent.click(await screen.findByRole("button", { name: "Invest in this video" }));
    const amount = await screen.findByLabelText("Shares to buy");
    await userEvent.clear(amount);
    await userEvent.type(amount, "901");
    expect((await screen.findByRole("alert")).textContent).toMatch(/Only 900 shares are left/);
  });
});
