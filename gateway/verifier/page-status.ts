// The verifier's verdict status as the page names statuses. A label not yet valid is shown as
// active with its (later) validity period, so it maps to "active" here too (see label-view-map).

import type { VerdictStatus } from "../../services/verify/verdict.js";
import type { LabelStatus } from "../page/label-view.js";

export function pageStatusOf(s: Exclude<VerdictStatus, "not-verifiable">): LabelStatus {
  switch (s) {
    case "valid":
    case "not-yet-valid":
      return "active";
    default:
      return s;
  }
}
