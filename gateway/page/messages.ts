// Every word the consumer page and the label image show, in Simplified Chinese and English.
// Functions take already-formatted values; callers escape the result.

import type { Lang } from "./lang.js";
import type { LabelEventKind, LabelStatus, Tier } from "./label-view.js";

export interface StatusText {
  /** One or two words for the badge. */
  readonly name: string;
  /** What the status means for someone about to buy the product. */
  readonly meaning: string;
}

/** The page's phrases for what went wrong when a verification failed (the English detail goes beside them). */
export type FailureKind = "unreadable" | "fetch" | "checkpoint" | "proof" | "entries" | "status";

/** Why the absence page could not verify the registry's answer. */
export type AbsenceFailureKind = "unreadable" | "fetch" | "checkpoint" | "proof" | "exists";

/**
 * Key indicators that issuers name by these ids (`--key-indicators "vuln-disclosure=yes"`) are
 * shown by their names in the page's language; any other name is shown as the issuer wrote it.
 */
export const KEY_INDICATOR_IDS = [
  "default-passwords",
  "vuln-disclosure",
  "update-years",
  "fix-days",
  "auto-updates",
  "data-encryption",
  "secure-boot",
  "penetration-test",
  "sbom",
] as const;
export type KeyIndicatorId = (typeof KEY_INDICATOR_IDS)[number];

export interface Messages {
  readonly siteName: string;
  readonly skipToContent: string;
  readonly labelName: string;
  readonly switchLanguage: string;
  readonly labelId: string;
  /** Under the QR code on the printed label. */
  readonly scanToVerify: string;
  readonly tierName: Record<Tier, string>;
  /** Short form: "二星" / "2 stars". */
  readonly stars: (tier: Tier) => string;
  /** Text equivalent of the star graphic. */
  readonly starsAlt: (tier: Tier) => string;
  /** Stars with the tier's name: "二星（增强级）" / "2 stars (Enhanced)". */
  readonly tierLabel: (tier: Tier) => string;
  /** Between a label and its value: "：" / ": ". */
  readonly colon: string;
  readonly statusHeading: string;
  readonly status: Record<LabelStatus, StatusText>;
  readonly tierHeading: string;
  readonly tierIntro: (tier: Tier) => string;
  readonly requirements: {
    readonly noDefaultPasswords: string;
    readonly vulnerabilityManagement: string;
    readonly softwareUpdates: string;
    readonly enhanced: string;
    readonly penetrationTesting: string;
  };
  readonly detailsHeading: string;
  readonly productModel: string;
  readonly category: string;
  readonly manufacturer: string;
  readonly registrationCode: string;
  /** Label for an issuer's or lab's identifier. */
  readonly partyId: string;
  readonly issuer: string;
  readonly testingLab: string;
  readonly standard: string;
  readonly validity: string;
  readonly validityRange: (from: string, until: string) => string;
  readonly securitySupport: string;
  readonly securitySupportUntil: (date: string) => string;
  readonly securitySupportEnded: (date: string) => string;
  readonly securitySupportUndeclared: string;
  readonly recordHeading: string;
  readonly testReportDigest: string;
  readonly testReport: string;
  readonly openTestReport: string;
  readonly declarationDigest: string;
  readonly keyIndicators: string;
  readonly keyIndicatorName: Record<KeyIndicatorId, string>;
  /** Indicator values "yes" and "no" in words. */
  readonly yes: string;
  readonly no: string;
  /** In the first screen, under the product: the end of validity and who certified it. */
  readonly validUntil: (date: string) => string;
  readonly certifiedBy: (issuer: string) => string;
  readonly historyHeading: string;
  readonly event: Record<LabelEventKind, string>;
  readonly logEntry: (index: number) => string;
  readonly reason: string;
  readonly noHistory: string;
  readonly verifyHeading: string;
  readonly verifying: string;
  readonly noScript: (checkpointSize: number) => string;
  /**
   * For the in-browser verifier (handed to it as JSON, so strings only): `{size}`, `{witnesses}`,
   * `{reason}` (one of `reasons`), `{proven}` and `{shown}` (status names) are filled in by the script.
   */
  readonly verifier: {
    readonly verified: string;
    readonly witnessed: string;
    /** Everything verifies but the witnesses' cosignatures the page requires are not there (yet). */
    readonly awaiting: string;
    readonly failed: string;
    readonly reasons: Record<FailureKind, string>;
    readonly statusNames: Record<LabelStatus, string>;
    /** Put into the status box when the check below it failed, so the two never disagree. */
    readonly statusUnconfirmed: string;
    /** Put into the status box while the check below awaits witnesses. */
    readonly statusAwaiting: string;
    /** After `verified` when the state map proved the history complete: `{size}`, `{time}` (the commitment's) and its `{zone}`. */
    readonly complete: string;
    /** Instead, when the answer carried no completeness proof: the record verifies, but may not be all of it. */
    readonly incomplete: string;
    /** Put into the status box when completeness was not proven. */
    readonly statusIncomplete: string;
  };
  /** The home page: look up a label by the number printed on it. */
  readonly home: {
    readonly title: string;
    readonly intro: string;
    readonly field: string;
    readonly hint: string;
    readonly submit: string;
    /** Shown when what was typed cannot be a label number. */
    readonly notALabelNumber: (typed: string) => string;
  };
  /** The page for a label number the registry says it does not hold (HTTP 404). */
  readonly absent: {
    readonly title: string;
    /** What the server answered, before the browser has checked it. */
    readonly serverSays: (labelId: string) => string;
    readonly advice: string;
    readonly noScript: string;
    readonly home: string;
    /**
     * For the in-browser verifier: `proven` with `{id}`, `{size}`, `{time}`, `{zone}`; `failed` with
     * `{reason}` (one of `reasons`); `awaiting` with `{size}`.
     */
    readonly verifier: {
      readonly proven: string;
      readonly awaiting: string;
      readonly failed: string;
      readonly reasons: Record<AbsenceFailureKind, string>;
    };
  };
  readonly timesIn: (zone: string) => string;
  readonly footer: string;
  readonly checkpointNote: (size: number) => string;
}

const zhDigits: Record<Tier, string> = { 1: "一", 2: "二", 3: "三" };

const zhCN: Messages = {
  siteName: "网络安全标识查询",
  skipToContent: "跳到正文",
  labelName: "网络安全标识",
  switchLanguage: "English",
  labelId: "标识编号",
  scanToVerify: "扫码查验",
  tierName: { 1: "基础级", 2: "增强级", 3: "领先级" },
  stars: (t) => `${zhDigits[t]}星`,
  starsAlt: (t) => `${zhDigits[t]}星（最高为三星）`,
  tierLabel: (t) => `${zhDigits[t]}星（${zhCN.tierName[t]}）`,
  colon: "：",
  statusHeading: "标识状态",
  status: {
    active: {
      name: "有效",
      meaning: "此标识有效：发证机构确认该产品型号达到所示等级的网络安全要求。",
    },
    suspended: {
      name: "已暂停",
      meaning:
        "此标识已被暂停，暂停期间不能作为该产品安全等级的依据。发证机构正在处理，标识可能恢复，也可能被撤销。购买前请向商家或制造商确认。",
    },
    revoked: {
      name: "已撤销",
      meaning: "此标识已被撤销，永久失效。该产品不再具有此网络安全等级，请勿以此标识作为购买依据。",
    },
    expired: {
      name: "已过期",
      meaning: "此标识已超过有效期，不再证明该产品符合要求。请向制造商确认是否已经续期。",
    },
  },
  tierHeading: "这个等级意味着什么",
  tierIntro: (t) => `${zhCN.tierLabel(t)}表示该产品型号经检测满足以下要求：`,
  requirements: {
    noDefaultPasswords: "没有弱口令，也没有所有设备通用的默认口令",
    vulnerabilityManagement: "制造商建立了漏洞管理流程，发现漏洞后持续修复",
    softwareUpdates: "持续提供软件安全更新",
    enhanced: "在基础级之上，满足标准规定的增强级安全要求",
    penetrationTesting: "通过独立第三方的渗透测试",
  },
  detailsHeading: "产品与发证信息",
  productModel: "产品型号",
  category: "产品类别",
  manufacturer: "制造商",
  registrationCode: "登记代码",
  partyId: "编号",
  issuer: "发证机构",
  testingLab: "检测机构",
  standard: "依据标准",
  validity: "有效期",
  validityRange: (from, until) => `${from} 至 ${until}`,
  securitySupport: "安全更新支持",
  securitySupportUntil: (d) => `制造商承诺提供安全更新至 ${d}`,
  securitySupportEnded: (d) => `已于 ${d} 结束：该产品不再获得安全更新`,
  securitySupportUndeclared: "制造商未声明",
  recordHeading: "检测与声明记录",
  testReportDigest: "检测报告摘要",
  testReport: "检测报告",
  openTestReport: "查看检测报告",
  declarationDigest: "符合性声明摘要",
  keyIndicators: "主要指标",
  keyIndicatorName: {
    "default-passwords": "默认口令",
    "vuln-disclosure": "漏洞披露渠道",
    "update-years": "安全更新年限",
    "fix-days": "漏洞修复时限（天）",
    "auto-updates": "自动安全更新",
    "data-encryption": "数据加密",
    "secure-boot": "安全启动",
    "penetration-test": "第三方渗透测试",
    sbom: "软件物料清单（SBOM）",
  },
  yes: "有",
  no: "无",
  validUntil: (d) => `有效期至 ${d}`,
  certifiedBy: (i) => `发证机构：${i}`,
  historyHeading: "标识历史",
  event: {
    issued: "颁发",
    upgraded: "升级",
    downgraded: "降级",
    renewed: "续期",
    suspended: "暂停",
    reinstated: "恢复",
    revoked: "撤销",
  },
  logEntry: (i) => `日志记录 #${i}`,
  reason: "原因",
  noHistory: "暂无记录。",
  verifyHeading: "真实性核验",
  verifying: "正在核验…",
  noScript: (n) =>
    `您的浏览器未启用 JavaScript，无法在本机核验此记录。以上内容由登记服务器提供，读取自包含 ${n} 条记录的日志检查点。`,
  verifier: {
    verified: "已核验：此记录包含在日志检查点 {size} 中，签名有效。",
    witnessed: "见证方：{witnesses}",
    awaiting:
      "尚待独立见证方确认：此记录在日志检查点 {size} 中，登记机构的签名和证明均有效，但该检查点尚未获得本页要求的见证方副署。通常几分钟内即可完成，请稍后刷新；在此之前，请谨慎参考上方状态。",
    failed: "核验失败：{reason}。此页面显示的内容不可信，请勿以此作为购买依据。",
    reasons: {
      unreadable: "页面的密钥或核验数据无法读取",
      fetch: "无法获取核验数据",
      checkpoint: "日志检查点没有有效的签名",
      proof: "证明数据不能表明此记录包含在日志中",
      entries: "日志中关于此标识的记录未通过核验",
      status: "日志记录的状态为“{proven}”，本页却显示为“{shown}”",
    },
    statusNames: { active: "有效", suspended: "已暂停", revoked: "已撤销", expired: "已过期" },
    statusUnconfirmed: "未经确认：此状态未能通过下方的真实性核验，请勿以此作为依据。",
    statusAwaiting: "此状态尚待独立见证方确认，见下方的真实性核验。",
    complete: "这是截至日志检查点 {size}（{time}，{zone}）此标识完整、最新的记录。",
    incomplete: "但登记服务器未提供完整性证明，无法确认这是此标识的全部记录：之后的暂停或撤销可能未显示。",
    statusIncomplete: "无法确认此状态为最新，见下方的真实性核验。",
  },
  home: {
    title: "查询网络安全标识",
    intro: "扫描标识上的二维码，或输入标识上印的编号，即可查看该标识的状态和完整历史，并在您的浏览器中核验。",
    field: "标识编号",
    hint: "例如 CCRC-1234：字母或数字，一个连字符，再是字母或数字。",
    submit: "查询",
    notALabelNumber: (t) => `“${t}”不是有效的标识编号，请核对后重新输入。`,
  },
  absent: {
    title: "未找到此标识",
    serverSays: (id) => `登记服务器答复：登记簿中没有编号为 ${id} 的网络安全标识。`,
    advice: "如果产品或包装上印有此编号，该标识可能是伪造的，请勿以此作为购买依据。",
    noScript: "您的浏览器未启用 JavaScript，无法在本机核验登记服务器的这一答复。",
    home: "返回首页，查询其他标识",
    verifier: {
      proven: "已在您的浏览器中核验：截至日志检查点 {size}（{time}，{zone}），登记簿中不存在编号为 {id} 的标识。",
      awaiting:
        "尚待独立见证方确认：登记机构对日志检查点 {size} 的签名和证明均有效，但该检查点尚未获得本页要求的见证方副署。请稍后刷新。",
      failed: "无法核验此答复：{reason}。这不能证明该标识不存在，也不能证明它存在。",
      reasons: {
        unreadable: "页面的密钥或证明数据无法读取",
        fetch: "无法获取证明数据",
        checkpoint: "日志检查点没有有效的签名",
        proof: "证明数据不能表明登记簿中没有此标识",
        exists: "登记服务器现在返回了此编号的标识，请刷新页面",
      },
    },
  },
  timesIn: (z) => `以下时间均为${z}`,
  footer: "每一条标识记录都写入公开、只可追加的透明日志，任何人都可以独立核验标识的完整历史。",
  checkpointNote: (n) => `读取自日志检查点：${n} 条记录`,
};

const en: Messages = {
  siteName: "Cybersecurity label lookup",
  skipToContent: "Skip to content",
  labelName: "Cybersecurity label",
  switchLanguage: "中文",
  labelId: "Label ID",
  scanToVerify: "Scan to verify",
  tierName: { 1: "Basic", 2: "Enhanced", 3: "Leading" },
  stars: (t) => (t === 1 ? "1 star" : `${t} stars`),
  starsAlt: (t) => `${t} of 3 stars`,
  tierLabel: (t) => `${en.stars(t)} (${en.tierName[t]})`,
  colon: ": ",
  statusHeading: "Label status",
  status: {
    active: {
      name: "Active",
      meaning:
        "This label is valid: the certification body confirms that this product model meets the requirements of the tier shown.",
    },
    suspended: {
      name: "Suspended",
      meaning:
        "This label is suspended: while it is, it does not vouch for the product's security. The certification body is looking into it; the label may be reinstated or revoked. Ask the seller or the manufacturer before you buy.",
    },
    revoked: {
      name: "Revoked",
      meaning:
        "This label has been revoked for good. The product no longer holds this cybersecurity tier; do not rely on the label when you buy.",
    },
    expired: {
      name: "Expired",
      meaning:
        "This label's validity period has ended, so it no longer vouches for the product. Ask the manufacturer whether it has been renewed.",
    },
  },
  tierHeading: "What this tier means",
  tierIntro: (t) => `${en.tierLabel(t)} means this product model was tested and meets these requirements:`,
  requirements: {
    noDefaultPasswords: "No weak passwords and no default password shared by every device",
    vulnerabilityManagement:
      "The manufacturer runs a vulnerability-management process and keeps fixing the flaws it finds",
    softwareUpdates: "Security updates keep coming for the software",
    enhanced: "Beyond the basic tier, it meets the standard's enhanced security requirements",
    penetrationTesting: "It passed penetration testing by an independent third party",
  },
  detailsHeading: "Product and certification",
  productModel: "Product model",
  category: "Category",
  manufacturer: "Manufacturer",
  registrationCode: "Registration code",
  partyId: "ID",
  issuer: "Certification body",
  testingLab: "Testing lab",
  standard: "Standard",
  validity: "Valid",
  validityRange: (from, until) => `${from} to ${until}`,
  securitySupport: "Security updates",
  securitySupportUntil: (d) => `The manufacturer promises security updates until ${d}`,
  securitySupportEnded: (d) => `Ended on ${d}: this product no longer gets security updates`,
  securitySupportUndeclared: "Not declared by the manufacturer",
  recordHeading: "Test and declaration record",
  testReportDigest: "Test report digest",
  testReport: "Test report",
  openTestReport: "Read the test report",
  declarationDigest: "Declaration of conformity digest",
  keyIndicators: "Key indicators",
  keyIndicatorName: {
    "default-passwords": "Default passwords",
    "vuln-disclosure": "Vulnerability disclosure",
    "update-years": "Years of security updates",
    "fix-days": "Days to fix a vulnerability",
    "auto-updates": "Automatic security updates",
    "data-encryption": "Data encryption",
    "secure-boot": "Secure boot",
    "penetration-test": "Third-party penetration test",
    sbom: "Software bill of materials (SBOM)",
  },
  yes: "Yes",
  no: "No",
  validUntil: (d) => `Valid until ${d}`,
  certifiedBy: (i) => `Certified by ${i}`,
  historyHeading: "Label history",
  event: {
    issued: "Issued",
    upgraded: "Upgraded",
    downgraded: "Downgraded",
    renewed: "Renewed",
    suspended: "Suspended",
    reinstated: "Reinstated",
    revoked: "Revoked",
  },
  logEntry: (i) => `Log entry #${i}`,
  reason: "Reason",
  noHistory: "No events yet.",
  verifyHeading: "Authenticity check",
  verifying: "Verifying…",
  noScript: (n) =>
    `JavaScript is off, so this record cannot be verified in your browser. The details above come from the registry server, read at a log checkpoint of ${n} entries.`,
  verifier: {
    verified: "Verified: this record is in log checkpoint {size}, and its signatures are valid.",
    witnessed: "Witnessed by: {witnesses}",
    awaiting:
      "Awaiting independent witnesses: this record is in log checkpoint {size} and the registry's signatures and proofs are valid, but that checkpoint does not yet carry the witness countersignatures this page requires. This usually clears within minutes: reload later, and until then rely on the status above with care.",
    failed: "Verification failed: {reason}. Do not trust what this page shows or rely on it to buy.",
    reasons: {
      unreadable: "this page's keys or the proof data are unreadable",
      fetch: "the proof data could not be fetched",
      checkpoint: "the log checkpoint's signature is not valid",
      proof: "the proofs do not show that this record is in the log",
      entries: "the log's records of this label do not check out",
      status: "the log says the label is {proven}, but the page says {shown}",
    },
    statusNames: { active: "active", suspended: "suspended", revoked: "revoked", expired: "expired" },
    statusUnconfirmed: "Not confirmed: this status failed the authenticity check below. Do not rely on it.",
    statusAwaiting: "This status still awaits independent witnesses: see the authenticity check below.",
    complete: "This is the label's complete, current record as of checkpoint {size}, {time} ({zone}).",
    incomplete:
      "But the registry sent no proof of completeness, so this may not be the label's whole record: a later suspension or revocation may be missing.",
    statusIncomplete: "This status could not be shown to be current: see the authenticity check below.",
  },
  home: {
    title: "Look up a cybersecurity label",
    intro:
      "Scan the QR code on a label, or type the number printed on it, to see the label's status and whole history, verified in your browser.",
    field: "Label number",
    hint: "For example CCRC-1234: letters or digits, a dash, then letters or digits.",
    submit: "Look up",
    notALabelNumber: (t) => `"${t}" is not a label number. Check it and try again.`,
  },
  absent: {
    title: "No such label",
    serverSays: (id) => `The registry server answers that it holds no cybersecurity label numbered ${id}.`,
    advice: "If a product or its box shows this number, the label may be counterfeit: do not rely on it to buy.",
    noScript: "JavaScript is off, so the registry's answer cannot be verified in your browser.",
    home: "Home: look up another label",
    verifier: {
      proven:
        "No label {id} exists in the registry as of checkpoint {size}, {time} ({zone}); verified in your browser.",
      awaiting:
        "Awaiting independent witnesses: the registry's signature and proof for log checkpoint {size} are valid, but that checkpoint does not yet carry the witness countersignatures this page requires. Reload later.",
      failed:
        "This answer could not be verified: {reason}. It proves neither that the label does not exist nor that it does.",
      reasons: {
        unreadable: "this page's keys or the proof data are unreadable",
        fetch: "the proof data could not be fetched",
        checkpoint: "the log checkpoint's signature is not valid",
        proof: "the proof does not show that the registry holds no such label",
        exists: "the registry now answers with a label of this number; reload the page",
      },
    },
  },
  timesIn: (z) => `Times in ${z}`,
  footer:
    "Every label event is written to a public, append-only transparency log, so anyone can check a label's whole history independently.",
  checkpointNote: (n) => `Read at log checkpoint: ${n} entries`,
};

export const MESSAGES: Record<Lang, Messages> = { "zh-CN": zhCN, en };
