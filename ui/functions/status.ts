/** What the app says of a function's state and of a call's outcome. */
import type { FunctionItem } from "../api/client";

export function functionState(fn: Pick<FunctionItem, "status" | "deployed_version" | "head_version">): {
  label: string;
  tone: string;
  title: string;
} {
  if (fn.status === "error") {
    return {
      label: "Error",
      tone: "error",
      title:
        fn.deployed_version != null
          ? `The last deploy failed; v${fn.deployed_version} keeps serving`
          : "The last deploy failed; nothing serves calls",
    };
  }
  if (fn.status === "deployed") {
    return { label: "Deployed", tone: "published", title: `v${fn.deployed_version} serves calls` };
  }
  return {
    // As the pages list says of a page: something serves, but the newest code does not.
    label: fn.deployed_version != null ? "Changes not deployed" : "Draft",
    tone: fn.deployed_version != null ? "changed" : "draft",
    title:
      fn.deployed_version != null
        ? `v${fn.deployed_version} serves calls; v${fn.head_version} is not deployed`
        : "Never deployed: calls answer 422 until it is",
  };
}

export const VIA_LABEL: Record<string, string> = {
  api: "API",
  public: "Public",
  page: "Page",
  test: "Test",
};

const numbers = new Intl.NumberFormat();
export const formatNumber = (n: number) => numbers.format(n);
