// A realistic label for tests and page previews: a two-star consumer network camera with a few
// events in its history. Not used by the running gateway.

import type { LabelStatus, LabelView } from "./label-view.js";

const at = (iso: string): Date => new Date(iso);

export function sampleLabelView(overrides: Partial<LabelView> = {}): LabelView {
  return {
    labelId: "CSL-2026-0000137",
    tier: 2,
    status: "active",
    productModel: "HomeCam Pro 4K (HC-420W)",
    manufacturer: { name: "杭州明视智能科技有限公司", registrationCode: "91330106MA2KXXXX7Q" },
    category: "消费类网络摄像头",
    issuer: { name: "中网安认证中心", id: "issuer-cnsc-01" },
    testingLab: { name: "国家网络设备安全检测实验室（深圳）", id: "CNAS L12345" },
    standard: "GB/T 41387-2022",
    validFrom: at("2026-07-01T00:00:00+08:00"),
    validUntil: at("2029-06-30T23:59:59+08:00"),
    securitySupportEnd: at("2031-12-31T23:59:59+08:00"),
    testReportDigest: "sha256:3a7bd3e2360a3d29eea436fcfb7e44c735d117c42d1c1835420b6b9942dd4f1b",
    testReportUri: "https://reports.example.cn/CSL-2026-0000137.pdf",
    declarationDigest: "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    keyIndicators: [
      { name: "默认口令", value: "每台设备唯一，首次使用须修改" },
      { name: "漏洞披露", value: "security@example.cn，90 天内修复" },
    ],
    history: [
      { logIndex: 1042, kind: "issued", time: at("2026-07-01T09:12:00+08:00"), tier: 1 },
      { logIndex: 2311, kind: "upgraded", time: at("2026-11-15T14:03:00+08:00"), tier: 2 },
    ],
    checkpointSize: 5120,
    ...overrides,
  };
}

/** The sample moved into `status`, with the event that put it there at the end of its history. */
export function sampleLabelInStatus(status: LabelStatus): LabelView {
  const base = sampleLabelView();
  const reasonEvent = {
    active: undefined,
    expired: undefined,
    suspended: {
      logIndex: 3870,
      kind: "suspended" as const,
      time: at("2027-03-02T10:30:00+08:00"),
      reason: "远程管理接口存在未修复的高危漏洞",
    },
    revoked: {
      logIndex: 4405,
      kind: "revoked" as const,
      time: at("2027-05-20T16:45:00+08:00"),
      reason: "制造商未在期限内修复漏洞",
    },
  }[status];
  return {
    ...base,
    status,
    ...(status === "expired" ? { validUntil: at("2027-06-30T23:59:59+08:00") } : {}),
    history: reasonEvent === undefined ? base.history : [...base.history, reasonEvent],
  };
}
