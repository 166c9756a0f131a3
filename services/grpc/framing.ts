// The framing check of request envelopes, run on the bytes before the generated decoder reads
// them. The generated decoder reads a nested message (or a packed run of numbers) until it has
// passed the end its length prefix gives, so a request whose length prefixes lie could decode as
// a valid request. Go's and C++'s parsers refuse such bytes; so does this check: every field ends
// within its message, every nested message and packed run ends exactly where its length says,
// strings are UTF-8, field numbers are not 0. Unknown fields (any wire type, groups too) are
// skipped by these same rules, as ordinary protobuf parsers do, so a client built from a newer
// proto keeps working. Only the signed statement bytes and log entries must be canonical
// (services/domain/decode.ts); the envelopes around them need not be.
import type { PackageDefinition } from "@grpc/proto-loader";

/** What the check needs of a message type: which fields nest, which are packable, which are text. */
export interface Framing {
  readonly nested: Map<number, Framing>;
  /** Repeated numeric fields, by the width of one element: 0 for varints, 4 or 8 for fixed. */
  readonly packed: Map<number, 0 | 4 | 8>;
  readonly strings: Set<number>;
}

/** Nesting deeper than this (messages and groups) is refused, as Go's and C++'s parsers do. */
export const MAX_DEPTH = 100;

const VARINT_TYPES = new Set([
  "TYPE_INT32",
  "TYPE_INT64",
  "TYPE_UINT32",
  "TYPE_UINT64",
  "TYPE_SINT32",
  "TYPE_SINT64",
  "TYPE_BOOL",
  "TYPE_ENUM",
]);
const FIXED_WIDTH: Record<string, 4 | 8> = {
  TYPE_FIXED32: 4,
  TYPE_SFIXED32: 4,
  TYPE_FLOAT: 4,
  TYPE_FIXED64: 8,
  TYPE_SFIXED64: 8,
  TYPE_DOUBLE: 8,
};

interface FieldDescriptor {
  readonly number: number;
  readonly label: string;
  readonly type: string;
  readonly typeName: string;
}

function descriptorOf(pkg: PackageDefinition, fullName: string): { field: FieldDescriptor[] } {
  const d = pkg[fullName] as { format?: string; type?: { field: FieldDescriptor[] } } | undefined;
  if (!d?.type || !d.format?.includes("DescriptorProto"))
    throw new Error(`framing: no message type ${fullName} in the proto package`);
  return d.type;
}

/**
 * The framing of message type `fullName` (e.g. "labelreg.v1.SubmitRequest") from the loaded protos.
 * Field type names are resolved in the message's own package, as protobuf scoping does first.
 */
export function framingOf(pkg: PackageDefinition, fullName: string, seen = new Map<string, Framing>()): Framing {
  const known = seen.get(fullName);
  if (known) return known;
  const f: Framing = { nested: new Map(), packed: new Map(), strings: new Set() };
  seen.set(fullName, f);
  const scope = fullName.slice(0, fullName.lastIndexOf("."));
  for (const field of descriptorOf(pkg, fullName).field) {
    if (field.type === "TYPE_MESSAGE") {
      const name = field.typeName.replace(/^\./, "");
      f.nested.set(field.number, framingOf(pkg, pkg[name] ? name : `${scope}.${name}`, seen));
    } else if (field.type === "TYPE_STRING") f.strings.add(field.number);
    else if (field.label === "LABEL_REPEATED" && VARINT_TYPES.has(field.type)) f.packed.set(field.number, 0);
    else if (field.label === "LABEL_REPEATED" && FIXED_WIDTH[field.type])
      f.packed.set(field.number, FIXED_WIDTH[field.type]!);
  }
  return f;
}

const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** Thrown inside the walk only, with the reason. */
class Broken extends Error {}

class Walker {
  at = 0;
  constructor(readonly buf: Uint8Array) {}

  /** A varint of at most 10 bytes ending by `end`; its value when below 2^32, else -1 (as a length, too long). */
  varint(end: number): number {
    if (this.at < end && this.buf[this.at]! < 0x80) return this.buf[this.at++]!;
    let value = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++, scale *= 128) {
      if (this.at >= end) throw new Broken("a varint runs past the end of its message");
      const b = this.buf[this.at++]!;
      if (i < 5) value += (b & 0x7f) * scale;
      if (i === 9 && b > 1) throw new Broken("a varint is beyond 64 bits");
      if (b < 0x80) return i < 5 && value <= 0xffffffff ? value : -1;
    }
    throw new Broken("a varint is longer than 10 bytes");
  }

  /** The fields in [at, end) of a message (or, with `group`, up to the end-group tag of that field number). */
  message(f: Framing | undefined, end: number, depth: number, group?: number): void {
    if (depth > MAX_DEPTH) throw new Broken(`messages nest deeper than ${MAX_DEPTH}`);
    while (this.at < end) {
      const tag = this.varint(end);
      if (tag < 0) throw new Broken("a tag is beyond 32 bits");
      const no = tag >>> 3;
      const wire = tag & 7;
      if (no === 0) throw new Broken("field number 0");
      switch (wire) {
        case 0:
          this.varint(end);
          break;
        case 1:
        case 5: {
          const n = wire === 1 ? 8 : 4;
          if (end - this.at < n) throw new Broken(`field ${no} runs past the end of its message`);
          this.at += n;
          break;
        }
        case 2: {
          const len = this.varint(end);
          if (len < 0 || len > end - this.at) throw new Broken(`field ${no}'s length runs past the end of its message`);
          const stop = this.at + len;
          const nested = f?.nested.get(no);
          if (nested) this.message(nested, stop, depth + 1);
          else if (f?.packed.has(no)) this.packed(f.packed.get(no)!, no, stop);
          else if (f?.strings.has(no)) this.text(no, stop);
          this.at = stop;
          break;
        }
        case 3:
          this.message(undefined, end, depth + 1, no);
          break;
        case 4:
          if (group !== no) throw new Broken(`an end-group tag for field ${no} that no group opened`);
          return;
        default:
          throw new Broken(`field ${no} has wire type ${wire}, which does not exist`);
      }
    }
    if (group !== undefined) throw new Broken(`group ${group} is not closed`);
  }

  private packed(width: 0 | 4 | 8, no: number, stop: number): void {
    if (width > 0) {
      if ((stop - this.at) % width !== 0)
        throw new Broken(`packed field ${no} is not a whole number of ${width}-byte values`);
      return;
    }
    while (this.at < stop) this.varint(stop);
  }

  private text(no: number, stop: number): void {
    for (let i = this.at; i < stop; i++) {
      if (this.buf[i]! > 0x7f) {
        try {
          utf8.decode(this.buf.subarray(this.at, stop));
        } catch {
          throw new Broken(`string field ${no} is not UTF-8`);
        }
        return;
      }
    }
  }
}

/** Why `bytes` are not a well-framed message of `framing`, or undefined when they are. */
export function framingError(bytes: Uint8Array, framing: Framing): string | undefined {
  try {
    new Walker(bytes).message(framing, bytes.length, 0);
    return undefined;
  } catch (e) {
    if (e instanceof Broken) return e.message;
    throw e;
  }
}

/** The framing of the request message of the RPC at `path` (e.g. "/labelreg.v1.LogService/GetTile"). */
export function requestFraming(pkg: PackageDefinition, path: string): Framing {
  const [, service = "", method = ""] = /^\/(.+)\/([^/]+)$/.exec(path) ?? [];
  const rpc = (pkg[service] as Record<string, { requestType?: { type?: { name?: string } } }> | undefined)?.[method];
  const name = rpc?.requestType?.type?.name;
  if (!name) throw new Error(`framing: no RPC ${path} in the proto package`);
  return framingOf(pkg, `${service.slice(0, service.lastIndexOf("."))}.${name}`);
}
