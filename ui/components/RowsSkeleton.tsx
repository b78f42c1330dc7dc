/** The loading state of a list: grey rows in its shape, hidden from screen readers. */
export function RowsSkeleton({ rows = 3 }: { rows?: number }) {
  return (
    <ul className="page-list" aria-hidden="true">
      {Array.from({ length: rows }, (_, i) => (
        <li key={i} className="page-row skeleton-row">
          <span className="skeleton skeleton-title" />
          <span className="skeleton skeleton-line" />
        </li>
      ))}
    </ul>
  );
}
