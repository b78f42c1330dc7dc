/** A contact's initials on a colour of their own (the same colour on every screen). */
import { hueOf, initials } from "./format";

export function Avatar({ name, seed, size = "medium" }: { name: string; seed: string; size?: "medium" | "large" }) {
  return (
    <span className={`avatar avatar-${size} avatar-hue-${hueOf(seed)}`} aria-hidden="true">
      {initials(name)}
    </span>
  );
}
