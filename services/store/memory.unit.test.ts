import { describeLogStoreContract } from "../../test/store/contract.js";
import { MemoryLog, openMemoryStore } from "./memory.js";

describeLogStoreContract("memory", async () => {
  const log = new MemoryLog();
  return { open: async () => openMemoryStore(log), cleanup: async () => {} };
});
