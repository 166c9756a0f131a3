// The CLI's Command: commander's, except that a run missing several required options names them
// all at once (commander stops at the first), so a new user fixes a command line in one go.
import { Command, type Option } from "commander";

export class LabelregCommand extends Command {
  override createCommand(name?: string): Command {
    return new LabelregCommand(name);
  }

  /** Called by commander for the first missing required option; reports every one. */
  missingMandatoryOptionValue(_first: Option): void {
    const missing: string[] = [];
    for (let cmd: Command | null = this; cmd; cmd = cmd.parent) {
      for (const o of cmd.options)
        if (o.mandatory && cmd.getOptionValue(o.attributeName()) === undefined) missing.push(`'${o.flags}'`);
    }
    const message =
      missing.length === 1
        ? `error: required option ${missing[0]} not specified`
        : `error: required options not specified: ${missing.join(", ")}`;
    this.error(message, { code: "commander.missingMandatoryOptionValue" });
  }
}
