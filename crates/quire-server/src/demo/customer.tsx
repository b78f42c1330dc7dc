import React, { useCallback, useEffect, useRef, useState } from "react";
import { createRoot } from "react-dom/client";

// The demo inbox's Page tab: the customer of the open conversation and their orders of the
// week, from the project's function `orders` (by the contact's WhatsApp number), with refunds.
// It follows the conversation as the agent moves between them (`kapso.on("context")`; the
// frame stays alive) and the viewer's light or dark theme.

type Status = "paid" | "pending" | "refunded";

interface Order {
  id: string;
  items: number;
  total: number;
  status: Status;
  placedAt: string;
}

interface Orders {
  currency: string;
  orders: Order[];
}

const STATUS_LABEL: Record<Status, string> = {
  paid: "Paid",
  pending: "Awaiting payment",
  refunded: "Refunded",
};

const STYLE = `
:root { color-scheme: light; --bg: #ffffff; --card: #f7f7f9; --text: #18181b; --muted: #6b6b76;
  --line: #e6e6ea; --accent: #4f46e5; --ok: #067647; --ok-soft: #ecfdf3; --warn: #b54708;
  --warn-soft: #fffaeb; --off: #6b6b76; --off-soft: #ededf0; --danger: #b42318; }
:root.dark { color-scheme: dark; --bg: #1a1a1d; --card: #232328; --text: #ececf0; --muted: #9a9aa6;
  --line: #2f2f36; --accent: #8b85ff; --ok: #6ce9a6; --ok-soft: #0f2b1f; --warn: #fec84b;
  --warn-soft: #2e2310; --off: #a1a1ad; --off-soft: #2c2c33; --danger: #fda29b; }
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--text);
  font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; }
main { padding: 16px; }
h1 { font-size: 18px; margin: 0; }
h2 { font-size: 12px; text-transform: uppercase; letter-spacing: 0.04em; color: var(--muted);
  margin: 20px 0 8px; display: flex; justify-content: space-between; }
.muted { color: var(--muted); }
.sum { display: grid; grid-template-columns: 1fr 1fr; gap: 8px; margin-top: 14px; }
.sum div { background: var(--card); border-radius: 10px; padding: 10px 12px; }
.sum span { display: block; color: var(--muted); font-size: 12px; }
.sum strong { font-size: 17px; font-variant-numeric: tabular-nums; }
ul { list-style: none; margin: 0; padding: 0; }
li { border: 1px solid var(--line); border-radius: 10px; padding: 10px 12px; margin-bottom: 8px; }
.line { display: flex; justify-content: space-between; align-items: center; gap: 8px; }
.total { font-weight: 600; font-variant-numeric: tabular-nums; }
.badge { display: inline-block; padding: 1px 8px; border-radius: 999px; font-size: 12px; font-weight: 600; }
.badge-paid { color: var(--ok); background: var(--ok-soft); }
.badge-pending { color: var(--warn); background: var(--warn-soft); }
.badge-refunded { color: var(--off); background: var(--off-soft); }
button { font: inherit; cursor: pointer; border-radius: 8px; border: 1px solid var(--line);
  background: var(--bg); color: var(--text); padding: 4px 10px; margin-top: 8px; }
button:hover:not(:disabled) { border-color: var(--accent); }
button:disabled { opacity: 0.55; cursor: default; }
button:focus-visible { outline: 2px solid var(--accent); outline-offset: 2px; }
button + button { margin-left: 6px; }
.primary { background: var(--accent); border-color: var(--accent); color: #fff; }
.problem { color: var(--danger); }
`;

function App() {
  const [context, setContext] = useState<KapsoContext | null>(null);
  const [data, setData] = useState<Orders | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [confirming, setConfirming] = useState<string | null>(null);
  const [refunding, setRefunding] = useState<string | null>(null);
  const conversation = context?.context.conversation ?? null;
  const phone = conversation?.phoneNumber ?? null;

  useEffect(() => {
    let unsubscribe = () => {};
    kapso.ready().then(
      () => {
        setContext(kapso.getContext());
        unsubscribe = kapso.on("context", setContext);
      },
      (e: unknown) => setError(e instanceof Error ? e.message : String(e)),
    );
    return () => unsubscribe();
  }, []);

  useEffect(() => {
    document.documentElement.classList.toggle("dark", context?.system.theme === "dark");
  }, [context?.system.theme]);

  // The customer shown now: an answer about an earlier one is dropped.
  const shown = useRef(phone);
  shown.current = phone;
  const call = useCallback(
    async (refund?: string) => {
      if (phone === null) return;
      setError(null);
      try {
        const answer = await kapso.invokeFunction<Orders>({ slug: "orders", payload: { customer: phone, refund } });
        if (shown.current === phone) setData(answer);
      } catch (e) {
        if (shown.current === phone) setError(e instanceof Error ? e.message : String(e));
      }
    },
    [phone],
  );

  // A new conversation: its customer's orders, and nothing of the last one's meanwhile.
  useEffect(() => {
    setData(null);
    setConfirming(null);
    void call();
  }, [call]);

  const refund = async (id: string) => {
    setRefunding(id);
    await call(id);
    setRefunding(null);
    setConfirming(null);
  };

  if (!context) {
    return (
      <main>
        <style>{STYLE}</style>
        <p className={error ? "problem" : "muted"}>{error ?? "Connecting…"}</p>
      </main>
    );
  }
  if (!conversation) {
    return (
      <main>
        <style>{STYLE}</style>
        <h1>Customer</h1>
        <p className="muted">Open a conversation: its customer's orders show here.</p>
      </main>
    );
  }
  const money = new Intl.NumberFormat(undefined, { style: "currency", currency: data?.currency ?? "USD" });
  const orders = data?.orders ?? [];
  const spent = orders.filter((o) => o.status === "paid").reduce((sum, o) => sum + o.total, 0);
  return (
    <main>
      <style>{STYLE}</style>
      <h1>{conversation.contactName ?? "Unknown contact"}</h1>
      <p className="muted" style={{ margin: 0 }}>
        {phone ? `+${phone}` : "No phone number: WhatsApp named this contact by username only"}
      </p>
      {phone ? (
        <>
          <div className="sum" aria-label="This week">
            <div>
              <span>Orders this week</span>
              <strong>{data ? orders.length : "…"}</strong>
            </div>
            <div>
              <span>Paid</span>
              <strong>{data ? money.format(spent) : "…"}</strong>
            </div>
          </div>
          <h2>
            Orders <span>from the function orders</span>
          </h2>
          {error ? (
            <p className="problem" role="alert">
              {error}
            </p>
          ) : null}
          {data && orders.length === 0 ? <p className="muted">No orders from this number this week.</p> : null}
          {data === null && !error ? <p className="muted">Loading orders…</p> : null}
          <ul aria-label="Orders">
            {orders.map((order) => (
              <li key={order.id}>
                <div className="line">
                  <strong>#{order.id}</strong>
                  <span className="total">{money.format(order.total)}</span>
                </div>
                <div className="line">
                  <span className="muted">
                    {order.items === 1 ? "1 item" : `${order.items} items`} · {ago(order.placedAt)}
                  </span>
                  <span className={`badge badge-${order.status}`}>{STATUS_LABEL[order.status]}</span>
                </div>
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
              </li>
            ))}
          </ul>
        </>
      ) : null}
    </main>
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
