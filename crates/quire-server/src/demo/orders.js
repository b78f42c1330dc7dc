// The demo shop's orders of the last week, as a function would read them from the shop's
// database; the customers are the demo inbox's contacts and a few more. A refund is kept in
// the project's KV, so it lasts from one call to the next.
// The payload: {} for every order, { "customer": "<WhatsApp number>" } for one customer's,
// and "refund": "<order id>" besides to refund a paid order first.
const ORDERS = [
  { id: "1063", customer: "Priya Patel", phone: "447700900123", items: 2, total: 89, status: "paid", hoursAgo: 4 },
  { id: "1062", customer: "Lukas Becker", phone: "4915123456789", items: 1, total: 49, status: "pending", hoursAgo: 6 },
  { id: "1061", customer: "Grace Hopper", phone: "12025550187", items: 4, total: 204.1, status: "paid", hoursAgo: 9 },
  { id: "1060", customer: "Amara Okafor", phone: "2348031234567", items: 6, total: 418, status: "paid", hoursAgo: 20 },
  { id: "1059", customer: "Jonas Nilsson", phone: "46701234567", items: 1, total: 19.99, status: "refunded", hoursAgo: 28 },
  { id: "1057", customer: "Ana Souza", phone: "5511987654321", items: 5, total: 312.75, status: "paid", hoursAgo: 31 },
  { id: "1055", customer: "Mei Chen", phone: "8613812345678", items: 2, total: 64.5, status: "pending", hoursAgo: 50 },
  { id: "1051", customer: "Ken Ito", phone: "819012345678", items: 1, total: 24, status: "paid", hoursAgo: 76 },
  { id: "1048", customer: "Tomás Ruiz", phone: "34612345678", items: 3, total: 151.3, status: "paid", hoursAgo: 110 },
  { id: "1042", customer: "Maria Lopez", phone: "14155550123", items: 3, total: 128.4, status: "paid", hoursAgo: 140 },
  { id: "1036", customer: "Maria Lopez", phone: "14155550123", items: 1, total: 35, status: "paid", hoursAgo: 160 },
];

async function handler(request, env) {
  const { customer, refund } = await request.json();
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
    orders: ORDERS.filter((o) => customer === undefined || o.phone === customer).map(({ hoursAgo, ...order }) => ({
      ...order,
      status: refunded.includes(order.id) ? "refunded" : order.status,
      placedAt: new Date(now - hoursAgo * 3600000).toISOString(),
    })),
  });
}
