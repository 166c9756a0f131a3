// grpc-js server definitions and client classes made from the services as the generated code
// describes them (ts-proto's generic definitions in proto/gen/messages: plain objects naming each
// method's message types), so the browser can import the same generated files without grpc-js.
// Adding an RPC needs its .proto, `buf generate` and its handler; nothing here.
import * as grpc from "@grpc/grpc-js";

interface MessageType {
  encode(message: never): { finish(): Uint8Array };
  decode(input: Uint8Array): unknown;
}

interface MethodDescription {
  readonly name: string;
  readonly requestType: MessageType;
  readonly requestStream: boolean;
  readonly responseType: MessageType;
  readonly responseStream: boolean;
}

/** A service as ts-proto's `outputServices=generic-definitions` writes it. */
export interface ServiceDescription {
  readonly fullName: string;
  readonly methods: { readonly [method: string]: MethodDescription };
}

type Methods<D extends ServiceDescription> = D["methods"];
type Req<M extends MethodDescription> = ReturnType<M["requestType"]["decode"]>;
type Res<M extends MethodDescription> = ReturnType<M["responseType"]["decode"]>;

/** The grpc-js definition of service D: one MethodDefinition per method, by its camel-case name. */
export type GrpcDefinition<D extends ServiceDescription> = {
  [K in keyof Methods<D>]: grpc.MethodDefinition<Req<Methods<D>[K]>, Res<Methods<D>[K]>>;
};

type Handler<M extends MethodDescription> = M["requestStream"] extends true
  ? M["responseStream"] extends true
    ? grpc.handleBidiStreamingCall<Req<M>, Res<M>>
    : grpc.handleClientStreamingCall<Req<M>, Res<M>>
  : M["responseStream"] extends true
    ? grpc.handleServerStreamingCall<Req<M>, Res<M>>
    : grpc.handleUnaryCall<Req<M>, Res<M>>;

/** A server implementation of service D: a handler for each of its methods. */
export type ServiceHandlers<D extends ServiceDescription> = { [K in keyof Methods<D>]: Handler<Methods<D>[K]> };

type Callback<T> = (error: grpc.ServiceError | null, response: T) => void;
type Options = Partial<grpc.CallOptions>;

interface UnaryCall<Q, R> {
  (request: Q, callback: Callback<R>): grpc.ClientUnaryCall;
  (request: Q, metadata: grpc.Metadata, callback: Callback<R>): grpc.ClientUnaryCall;
  (request: Q, metadata: grpc.Metadata, options: Options, callback: Callback<R>): grpc.ClientUnaryCall;
}
interface ServerStreamCall<Q, R> {
  (request: Q, options?: Options): grpc.ClientReadableStream<R>;
  (request: Q, metadata?: grpc.Metadata, options?: Options): grpc.ClientReadableStream<R>;
}
interface ClientStreamCall<Q, R> {
  (callback: Callback<R>): grpc.ClientWritableStream<Q>;
  (metadata: grpc.Metadata, callback: Callback<R>): grpc.ClientWritableStream<Q>;
  (options: Options, callback: Callback<R>): grpc.ClientWritableStream<Q>;
  (metadata: grpc.Metadata, options: Options, callback: Callback<R>): grpc.ClientWritableStream<Q>;
}
interface BidiCall<Q, R> {
  (options?: Options): grpc.ClientDuplexStream<Q, R>;
  (metadata: grpc.Metadata, options?: Options): grpc.ClientDuplexStream<Q, R>;
}

type ClientCall<M extends MethodDescription> = M["requestStream"] extends true
  ? M["responseStream"] extends true
    ? BidiCall<Req<M>, Res<M>>
    : ClientStreamCall<Req<M>, Res<M>>
  : M["responseStream"] extends true
    ? ServerStreamCall<Req<M>, Res<M>>
    : UnaryCall<Req<M>, Res<M>>;

/** A client of service D: a grpc-js Client with a call for each method. */
export type ServiceClient<D extends ServiceDescription> = grpc.Client & {
  [K in keyof Methods<D>]: ClientCall<Methods<D>[K]>;
};

export interface ServiceClientClass<D extends ServiceDescription> {
  new (address: string, credentials: grpc.ChannelCredentials, options?: Partial<grpc.ClientOptions>): ServiceClient<D>;
  readonly service: GrpcDefinition<D>;
  readonly serviceName: string;
}

// The generated encoder's bytes are its own fresh array: a Buffer over them, no copy.
const asBuffer = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength);

/** grpc-js's definition of service D, paths /<package>.<Service>/<Method>, the generated codec on both sides. */
export function grpcDefinition<D extends ServiceDescription>(d: D): GrpcDefinition<D> {
  const out: Record<string, grpc.MethodDefinition<unknown, unknown>> = {};
  for (const [key, m] of Object.entries(d.methods)) {
    out[key] = {
      path: `/${d.fullName}/${m.name}`,
      requestStream: m.requestStream,
      responseStream: m.responseStream,
      requestSerialize: (v) => asBuffer(m.requestType.encode(v as never).finish()),
      requestDeserialize: (b) => m.requestType.decode(b),
      responseSerialize: (v) => asBuffer(m.responseType.encode(v as never).finish()),
      responseDeserialize: (b) => m.responseType.decode(b),
    };
  }
  return out as GrpcDefinition<D>;
}

/** The client class of service D, as grpc-js makes it from the definition. */
export function grpcClient<D extends ServiceDescription>(d: D): ServiceClientClass<D> {
  return grpc.makeGenericClientConstructor(
    grpcDefinition(d) as grpc.ServiceDefinition,
    d.fullName,
  ) as unknown as ServiceClientClass<D>;
}
