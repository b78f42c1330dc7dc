/** Slugs of pages and functions: derived from a name as the user types, checked as the server checks them. */

/** "Sales dashboard" → "sales-dashboard". */
export function slugify(name: string): string {
  return name
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 64)
    .replace(/-+$/g, "");
}

/** Why `slug` is refused, or null; the server's rule (validate.rs). */
export function slugProblem(slug: string): string | null {
  if (slug.length === 0) return "A slug is needed: it is part of the address.";
  if (slug.length > 64) return "At most 64 characters.";
  if (!/^[a-z0-9-]+$/.test(slug)) return "Use a–z, 0–9 and “-” only, e.g. sales-dashboard.";
  return null;
}
