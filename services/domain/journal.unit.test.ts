import { describe, expect, it } from "vitest";
import { Journal, JournaledLists } from "./journal.js";

describe("JournaledLists", () => {
  it("appends in place and a rollback undoes appends and new lists, newest first", () => {
    const journal = new Journal();
    const lists = new JournaledLists<string, number>(journal);
    lists.append("a", 1);
    const a = lists.get("a");
    journal.begin();
    lists.append("a", 2);
    lists.append("b", 3);
    lists.append("a", 4);
    expect(lists.get("a")).toEqual([1, 2, 4]);
    // In place: a list read before the append sees it (readers that await copy first).
    expect(a).toBe(lists.get("a"));
    journal.rollback();
    expect(lists.get("a")).toEqual([1]);
    expect(lists.has("b")).toBe(false);
    journal.begin();
    lists.append("a", 5);
    journal.commit();
    expect(lists.get("a")).toEqual([1, 5]);
  });
});
