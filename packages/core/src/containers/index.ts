/**
 * The container tier: functions run in containers (local processes or deployed instances) that
 * speak the container protocol (CONTAINER-PROTOCOL.md) over HTTP.
 */
export { CONTENT_TYPES, decodeBody, encodeBody, type BodyEncoding } from './codec.js';
export { parseTagged, stringifyTagged, type BinaryTypeName } from './tagged-json.js';
export * from './protocol.js';
export { ContainerServer, type ContainerServerOptions } from './server.js';
export { ContainerClient, ContainerConnectionError, type ContainerClientOptions, type RunningCall } from './client.js';
export type { ContainerEndpoint, ContainerProvider } from './provider.js';
export { EmbeddedContainerProvider, type EmbeddedContainer, type EmbeddedContainerOptions } from './embedded-provider.js';
export { RemoteContainerProvider, type RemoteContainerOptions } from './remote-provider.js';
export { ContainerTier, type ContainerLoad, type ContainerTierOptions } from './container-tier.js';
export { FunctionPerContainerTier, type FunctionPerContainerOptions } from './function-per-container.js';
export { containerEntryPath } from './entry.js';
