// Names the authority may publish in both languages (issuers, categories): the page's language
// where it published one, else the one name every entry has.
import type { Lang } from "./lang.js";

export interface Names {
  readonly name: string;
  readonly nameEn?: string | undefined;
  readonly nameZh?: string | undefined;
}

export function nameIn(lang: Lang, n: Names): string {
  return (lang === "en" ? n.nameEn : n.nameZh) || n.name;
}
