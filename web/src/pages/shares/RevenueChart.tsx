import type { RevenuePoint } from "./types";
import { formatFlow } from "./wei";

const W = 600;
const H = 160;
const PAD = 8;

/** Cumulative revenue over time as an inline SVG step line; exact wei in the accessible table. */
export function RevenueChart({ points }: { points: RevenuePoint[] }) {
  if (points.length === 0) {
    return <p className="text-sm text-muted">No revenue recorded yet.</p>;
  }
  let running = 0n;
  const cumulative = points.map((p) => {
    running += BigInt(p.amount_wei);
    return { at: Date.parse(p.at), total: running };
  });
  const max = running > 0n ? running : 1n;
  const t0 = cumulative[0].at;
  const span = Math.max(1, cumulative[cumulative.length - 1].at - t0);
  const x = (at: number) => PAD + ((at - t0) / span) * (W - 2 * PAD);
  // scale in BigInt first: wei totals exceed what a float holds exactly
  const y = (total: bigint) => H - PAD - Number((total * 10_000n) / max) / 10_000 * (H - 2 * PAD);
  let d = `M ${x(t0).toFixed(1)} ${(H - PAD).toFixed(1)}`;
  for (const p of cumulative) d += ` H ${x(p.at).toFixed(1)} V ${y(p.total).toFixed(1)}`;
  d += ` H ${(W - PAD).toFixed(1)}`;
  return (
    <figure className="grid gap-2">
      <svg
        viewBox={`0 0 ${W} ${H}`}
        className="h-40 w-full"
        role="img"
        aria-label={`Revenue to date: ${formatFlow(running)} over ${points.length} payments`}
        data-testid="revenue-chart"
        preserveAspectRatio="none"
      >
        <line x1={PAD} y1={H - PAD} x2={W - PAD} y2={H - PAD} className="stroke-text/20" strokeWidth={1} />
        <path d={d} fill="none" className="stroke-primary" strokeWidth={2.5} vectorEffect="non-scaling-stroke" />
        {cumulative.map((p, i) => (
          <circle key={i} cx={x(p.at)} cy={y(p.total)} r={3} className="fill-primary" />
        ))}
      </svg>
      <figcaption className="text-xs text-muted">
        Cumulative revenue: {formatFlow(running)} in {points.length} {points.length === 1 ? "payment" : "payments"}.
      </figcaption>
      <details className="text-xs text-muted">
        <summary className="cursor-pointer">Revenue history</summary>
        <table className="mt-2 w-full text-left">
          <thead>
            <tr>
              <th className="font-medium">Date</th>
              <th className="font-medium">Source</th>
              <th className="font-medium">Amount</th>
              <th className="font-medium">To holders</th>
            </tr>
          </thead>
          <tbody>
            {points.map((p, i) => (
              <tr key={i}>
                <td>{new Date(p.at).toLocaleString()}</td>
                <td>{p.source === "tip" ? "Tip" : "Ads"}</td>
                <td>{formatFlow(p.amount_wei)}</td>
                <td>{formatFlow(p.shareholder_wei)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </details>
    </figure>
  );
}
