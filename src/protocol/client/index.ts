// The protocol client library: one import for every client (keyset, admin console, load tool, tests).
export { ProtocolClient, type ClientOptions, type Push, type RequestArgs, type RequestOptions } from './client.js';
export { ConnectionClosedError, RequestError, RequestTimeoutError, UnexpectedReplyError } from './errors.js';
export { whenOpen, type WebSocketLike } from './socket.js';
export { ErrorCode, errorCatalogue, type ErrorName, type FieldPath } from '../errors.js';
export type { PushName, PushParams, PushType, RequestName, RequestParams, ResponseOf } from '../contract.js';
export type { JsonObject, LayoutPosition, LoopPermission, LoopState, Participant } from '../common.js';
