import React, { useCallback, useEffect, useMemo, useState } from "react";
import { createRoot } from "react-dom/client";

// The demo's Orders dashboard: the week's orders from the project's function `orders`, with
// totals, a filter by status, and refunds that go back through the same function. It follows
// the viewer's light or dark theme (`kapso.on("context")`) and fits a phone as well as a desk.

type Status = "paid" | "pending" | "refunded";

interface Order {
  id: string;
  customer: string;
  phone: string;
  items: number;
  total: number;
  status: Status;
  placedAt: string;
}

interface Orders {
  currency: string;
  orders: Order[];
}

const FILTERS = [
  { value: "all", label: "All" },
  { value: "paid", label: "Paid" },
  { value: "pending", label: "Awaiting payment" },
  { value: "refunded", label: "Refunded" },
] as const;

type Filter = (typeof FILTERS)[number]["value"];

const STYLE = `
:root { color-scheme: light; --bg: #f6f6f8; --card: #ffffff; --text: #18181b; --muted: #6b6b76;
  --line: #e6e6ea; --accent: #4f46e5; --ok: #067647; --ok-soft: #ecfdf3; --warn: #b54708;
  --warn-soft: #fffaeb; --off: #6b6b76; --off-soft: #f2f2f4; --danger: #b42318; }
:root.dark { color-scheme: dark; --bg: #131316; --card: #1c1c20; --text: #ececf0; --muted: #9a9aa6;
  --line: #2c2c33; --accent: #8b85ff; --ok: #6ce9a6; --ok-soft: #0f2b1f; --warn: #fec84b;
  --warn-soft: #2e2310; --off: #a1a1ad; --off-soft: #26262c; --danger: #fda29b; }
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--text);
  font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; }
main { max-width: 1080px; margin: 0 auto; padding: 24px; }
header { display: flex; align-items: flex-end; justify-content: space-between; gap: 12px; flex-wrap: wrap; }
h1 { font-size: 22px; margin: 0; }
.sub { color: var(--muted); margin: 2px 0 0; }
button { font: inherit; cursor: pointer; border-radius: 8px; border: 1px solid var(--line);
  background: var(--card); color: var(--text); padding: 6px 12px; }
button:hover:not(:disabled) { border-color: var(--accent); }
button:disabled { opacity: 0.55; cursor: default; }
button:focus-visible { outline: 2px solid var(--accent); outline-offset: 2px; }
.primary { background: var(--accent); border-color: var(--accent); color: #fff; }
.kpis { display: grid; grid-template-columns: repeat(4, minmax(0, 1fr)); gap: 12px; margin: 20px 0; }
.kpi { background: var(--card); border: 1px solid var(--line); border-radius: 12px; padding: 14px 16px; }
.kpi span { color: var(--muted); font-size: 13px; }
.kpi strong { display: block; font-size: 22px; margin-top: 4px; font-variant-numeric: tabular-nums; }
.filters { display: inline-flex; border: 1px solid var(--line); border-radius: 10px; overflow: hidden;
  background: var(--card); margin-bottom: 12px; max-width: 100%; overflow-x: auto; }
.filters button { border: 0; border-radius: 0; padding: 7px 14px; color: var(--muted); white-space: nowrap; }
.filters button + button { border-left: 1px solid var(--line); }
.filters button[aria-pressed="true"] { color: var(--accent); font-weight: 600;
  background: color-mix(in srgb, var(--accent) 12%, var(--card)); }
.table { background: var(--card); border: 1px solid var(--line); border-radius: 12px; overflow: hidden; }
table { width: 100%; border-collapse: collapse; }
th { text-align: left; font-weight: 600; color: var(--muted); font-size: 12px; text-transform: uppercase;
  letter-spacing: 0.04em; padding: 10px 16px; border-bottom: 1px solid var(--line); }
td { padding: 12px 16px; border-bottom: 1px solid var(--line); vertical-align: middle; }
tr:last-child td { border-bottom: 0; }
.num { text-align: right; font-variant-numeric: tabular-nums; }
.who small { display: block; color: var(--muted); }
.badge { display: inline-block; padding: 2px 9px; border-radius: 999px; font-size: 12px; font-weight: 600; }
.badge-paid { color: var(--ok); background: var(--ok-soft); }
.badge-pending { color: var(--warn); background: var(--warn-soft); }
.badge-refunded { color: var(--off); background: var(--off-soft); }
.actions { text-align: right; white-space: nowrap; }
.actions button + button { margin-left: 6px; }
.empty, .problem { padding: 32px 16px; text-align: center; color: var(--muted); }
.problem { color: var(--danger); }
.skeleton td span { display: block; height: 12px; border-radius: 6px; background: var(--line); }
.footnote { color: var(--muted); font-size: 12px; margin-top: 12px; }
@media (max-width: 720px) {
  main { padding: 16px; }
  .kpis { grid-template-columns: repeat(2, minmax(0, 1fr)); }
  thead { display: none; }
  table, tbody, tr, td { display: block; }
  tr { display: grid; grid-template-columns: minmax(0, 1fr) auto; gap: 2px 12px;
    grid-template-areas: "id status" "who total" "actions actions"; padding: 12px 16px;
    border-bottom: 1px solid var(--line); }
  tr:last-child { border-bottom: 0; }
  td { padding: 0; border: 0; }
  td.id { grid-area: id; color: var(--muted); font-size: 12px; }
  td.status { grid-area: status; text-align: right; }
  td.who { grid-area: who; }
  td.total { grid-area: total; }
  td.items, td.placed { display: none; }
  td.actions { grid-area: actions; text-align: left; margin-top: 6px; }
  td.actions:empty { display: none; }
  .skeleton tr { grid-template-areas: none; }
}
`;

function App() {
  const [dark, setDark] = useState(false);
  const [data, setData] = useState<Orders | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [filter, setFilter] = useState<Filter>("all");
  const [confirming, setConfirming] = useState<string | null>(null);
  const [refunding, setRefunding] = useState<string | null>(null);

  const call = useCallback(async (payload: { refund?: string }) => {
    setError(null);
    try {
      setData(await kapso.invokeFunction<Orders>({ slug: "orders", payload }));
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    }
  }, []);

  useEffect(() => {
    let unsubscribe = () => {};
    kapso.ready().then(
      () => {
        setDark(kapso.getContext().system.theme === "dark");
        unsubscribe = kapso.on("context", (context) => setDark(context.system.theme === "dark"));
        void call({});
      },
      (e: unknown) => setError(e instanceof Error ? e.message : String(e)),
    );
    return () => unsubscribe();
  }, [call]);

  useEffect(() => {
    document.documentElement.classList.toggle("dark", dark);
  }, [dark]);

  const refund = async (id: string) => {
    setRefunding(id);
    await call({ refund: id });
    setRefunding(null);
    setConfirming(null);
  };

  const money = useMemo(
    () => new Intl.NumberFormat(undefined, { style: "currency", currency: data?.currency ?? "USD" }),
    [data?.currency],
  );
  const orders = data?.orders ?? [];
  const shown = filter === "all" ? orders : orders.filter((order) => order.status === filter);
  const paid = orders.filter((order) => order.status === "paid");
  const revenue = paid.reduce((sum, order) => sum + order.total, 0);
  const pending = orders.filter((order) => order.status === "pending");

  return (
    <main>
      <style>{STYLE}</style>
      <header>
        <div>
          <h1>Orders</h1>
          <p className="sub">The last 7 days, from the function orders</p>
        </div>
        <button type="button" onClick={() => void call({})} disabled={data === null && error === null}>
          Refresh
        </button>
      </header>

      <section className="kpis" aria-label="Totals">
        <Kpi label="Revenue" value={data ? money.format(revenue) : "…"} />
        <Kpi label="Orders" value={data ? String(orders.length) : "…"} />
        <Kpi label="Average paid order" value={data && paid.length > 0 ? money.format(revenue / paid.length) : "…"} />
        <Kpi
          label={data ? `Awaiting payment (${pending.length})` : "Awaiting payment"}
          value={data ? money.format(pending.reduce((sum, order) => sum + order.total, 0)) : "…"}
        />
      </section>

      <div className="filters" role="group" aria-label="Show orders">
        {FILTERS.map((option) => (
          <button
            key={option.value}
            type="button"
            aria-pressed={filter === option.value}
            onClick={() => setFilter(option.value)}
          >
            {option.label}
          </button>
        ))}
      </div>

      <div className="table">
        {error ? (
          <p className="problem" role="alert">
            {error}{" "}
            <button type="button" onClick={() => void call({})}>
              Try again
            </button>
          </p>
        ) : null}
        {data && shown.length === 0 ? <p className="empty">No orders here this week.</p> : null}
        {data === null && error === null ? (
          <table aria-busy="true" aria-label="Loading orders">
            <tbody className="skeleton">
              {[0, 1, 2, 3].map((row) => (
                <tr key={row}>
                  {[0, 1, 2, 3].map((cell) => (
                    <td key={cell}>
                      <span />
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        ) : null}
        {shown.length > 0 ? (
          <table aria-label="Orders">
            <thead>
              <tr>
                <th>Order</th>
                <th>Customer</th>
                <th className="num">Items</th>
                <th className="num">Total</th>
                <th>Status</th>
                <th>Placed</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {shown.map((order) => (
                <tr key={order.id}>
                  <td className="id">#{order.id}</td>
                  <td className="who">
                    {order.customer}
                    <small>+{order.phone}</small>
                  </td>
                  <td className="num items">{order.items}</td>
                  <td className="num total">{money.format(order.total)}</td>
                  <td className="status">
                    <span className={`badge badge-${order.status}`}>{STATUS_LABEL[order.status]}</span>
                  </td>
                  <td className="placed">
                    <time dateTime={order.placedAt} title={new Date(order.placedAt).toLocaleString()}>
                      {ago(order.placedAt)}
                    </time>
                  </td>
                  <td className="actions">
                    {order.status !== "paid" ? null : confirming === order.id ? (
                      <>
                        <button
                          type="button"
                          className="primary"
                          disabled={refunding !== null}
                          onClick={() => void refund(order.id)}
                        >
                          {refunding === order.id ? "Refunding…" : `Refund ${money.format(order.total)}`}
                        </button>
                        <button type="button" disabled={refunding !== null} onClick={() => setConfirming(null)}>
                          Keep
                        </button>
                      </>
                    ) : (
                      <button type="button" aria-label={`Refund order ${order.id}`} onClick={() => setConfirming(order.id)}>
                        Refund
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : null}
      </div>
      <p className="footnote">
        Demo data: this page is one TSX file, and its orders come from the project's function orders,
        which keeps refunds in the project's KV.
      </p>
    </main>
  );
}

const STATUS_LABEL: Record<Status, string> = {
  paid: "Paid",
  pending: "Awaiting payment",
  refunded: "Refunded",
};

function Kpi({ label, value }: { label: string; value: string }) {
  return (
    <div className="kpi">
      <span>{label}</span>
      <strong>{value}</strong>
    </div>
  );
}

/** "3 h ago", "2 d ago": how long ago `iso` was, roughly. */
function ago(iso: string): string {
  const minutes = Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 60000));
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.round(minutes / 60);
  if (hours < 24) return `${hours} h ago`;
  return `${Math.round(hours / 24)} d ago`;
}

const root = document.getElementById("root");
if (root) createRoot(root).render(<App />);
