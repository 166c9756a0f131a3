// --log-format for the long-running commands (serve, gateway): their start-up facts once, either
// as lines for a person or as one JSON object per line for a log collector. By default a person
// at a terminal gets lines and a pipe gets JSON.
import { Option, type Command } from "commander";

export type LogFormat = "human" | "json";

export function withLogFormat(cmd: Command): Command {
  return cmd.addOption(
    new Option(
      "--log-format <format>",
      "start-up facts and events as lines for people or JSON (default: human on a terminal, json otherwise)",
    ).choices(["human", "json"]),
  );
}

export function logFormatOf(value: unknown): LogFormat {
  if (value === "human" || value === "json") return value;
  return process.stdout.isTTY ? "human" : "json";
}
