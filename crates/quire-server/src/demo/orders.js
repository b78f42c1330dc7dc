// The demo shop's orders of the last week, as a function would read them from the shop's
// database. A refund is kept in the project's KV, so it lasts from one call to the next.
// The payload: {} for the orders, or { "refund": "<order id>" } to refund a paid order first.
const ORDERS = [
  { id: "1048", customer: "Maria Lopez", email: "maria@example.com", items: 3, total: 128.4, status: "paid", hoursAgo: 1 },
  { id: "1047", customer: "Ken Ito", email: "ken@example.com", items: 1, total: 49, status: "pending", hoursAgo: 3 },
  { id: "1046", customer: "Ana Souza", email: "ana@example.com", items: 5, total: 312.75, status: "paid", hoursAgo: 7 },
  { id: "1045", customer: "Lukas Becker", email: "lukas@example.com", items: 2, total: 86.2, status: "paid", hoursAgo: 20 },
  { id: "1044", customer: "Priya Patel", email: "priya@example.com", items: 1, total: 19.99, status: "refunded", hoursAgo: 26 },
  { id: "1043", customer: "Grace Hopper", email: "grace@example.com", items: 4, total: 204.1, status: "paid", hoursAgo: 41 },
  { id: "1042", customer: "Tomás Ruiz", email: "tomas@example.com", items: 2, total: 64.5, status: "pending", hoursAgo: 55 },
  { id: "1041", customer: "Amara Okafor", email: "amara@example.com", items: 6, total: 418, status: "paid", hoursAgo: 70 },
  { id: "1040", customer: "Jonas Nilsson", email: "jonas@example.com", items: 1, total: 35, status: "paid", hoursAgo: 96 },
  { id: "1039", customer: "Mei Chen", email: "mei@example.com", items: 3, total: 151.3, status: "paid", hoursAgo: 130 },
];

async function handler(request, env) {
  const { refund } = await request.json();
  const refunded = (await env.KV.get("refunded", "json")) ?? [];
  if (refund !== undefined) {
    const order = ORDERS.find((o) => o.id === refund);
    if (!order) throw new Error(`There is no order #${refund}.`);
    if (order.status !== "paid" || refunded.includes(refund)) {
      throw new Error(`Order #${refund} is not paid, so it cannot be refunded.`);
    }
    refunded.push(refund);
    await env.KV.put("refunded", JSON.stringify(refunded));
    console.log(`refunded order #${refund} for ${request.headers.get("x-quire-viewer")}`);
  }
  const now = Date.now();
  return Response.json({
    currency: "USD",
    orders: ORDERS.map(({ hoursAgo, ...order }) => ({
      ...order,
      status: refunded.includes(order.id) ? "refunded" : order.status,
      placedAt: new Date(now - hoursAgo * 3600000).toISOString(),
    })),
  });
}
