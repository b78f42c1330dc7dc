/**
 * A page shared by a public link (`/s/{token}`): its published version full-screen, for
 * someone without an account. The link's token is the credential of the frame and of the
 * page's function calls (`/api/v1/public/…`); when the link no longer works the screen says
 * so, as the server's own page does on a reload.
 */
import { useState } from "react";
import { HostError } from "../../bridge/host";
import { Notice } from "../components/Notice";
import { PageFrame } from "../page/PageFrame";
import { useTheme } from "../theme";

const ENDPOINTS = { frame: "/api/v1/public/frame", invoke: "/api/v1/public/invoke" };

export function SharedPage() {
  const theme = useTheme().theme;
  const [failure, setFailure] = useState<Error | null>(null);
  if (failure) {
    const gone = failure instanceof HostError && failure.status === 404;
    return (
      <Notice tone={gone ? "info" : "error"} title={gone ? "This link no longer works" : "The page could not be opened"}>
        {gone
          ? "The page it showed was unpublished, or the link was turned off or has expired. Ask whoever shared it for a new one."
          : `${failure.message} Reload to try again.`}
      </Notice>
    );
  }
  return (
    <div className="shared-page">
      <PageFrame
        project=""
        page=""
        mode="public"
        title="Shared page"
        theme={theme}
        endpoints={ENDPOINTS}
        autoResize={false}
        className="page-frame shared-page-frame"
        onFailed={setFailure}
      />
    </div>
  );
}
