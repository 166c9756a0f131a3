// The registry's gRPC clients (grpc-js), one class per service of proto/labelreg/v1.
import { IssuanceServiceDefinition } from "../../proto/gen/messages/labelreg/v1/issuance_service.js";
import { LogServiceDefinition } from "../../proto/gen/messages/labelreg/v1/log_service.js";
import { VerificationServiceDefinition } from "../../proto/gen/messages/labelreg/v1/verification_service.js";
import { grpcClient, type ServiceClient } from "./service.js";

export const IssuanceServiceClient = grpcClient(IssuanceServiceDefinition);
export type IssuanceServiceClient = ServiceClient<IssuanceServiceDefinition>;

export const LogServiceClient = grpcClient(LogServiceDefinition);
export type LogServiceClient = ServiceClient<LogServiceDefinition>;

export const VerificationServiceClient = grpcClient(VerificationServiceDefinition);
export type VerificationServiceClient = ServiceClient<VerificationServiceDefinition>;
