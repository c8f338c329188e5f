// The topology layer's public API.
export {
  TopologySpecSchema, TopologyNamespaceSchema, TopologyCurrentSchema, TopologyLinkSchema, TopologyRouteSchema, TopologyRuleSchema,
  TopologyAddressSchema, topologyJsonSchema,
  type TopologySpec, type TopologyNamespace, type TopologyCurrent, type TopologyLink, type TopologyRoute, type TopologyRule, type TopologyAddress,
} from './spec.js';
export { resolveTopology, TopologyError, type TopologyModel, type NamespaceModel, type LinkModel, type Located } from './model.js';
export { loadTopology, parseTopology } from './load.js';
export { movePrefix } from './generate.js';
export { toDot, toMermaid, toSvg } from './graph.js';
export { Lab, type BuildOptions, type LabNamespace } from './lab.js';
export { TopologyBuildError, type BuildReport } from './build.js';
export { verifyTopology, type Difference, type VerifiedNamespace } from './verify.js';
export { applyTopology, ruleToSpec, type Change, type ApplyOptions } from './apply.js';
export { keepTopology, readTopologyState, topologyStates, destroyTopology, openTopology, type TopologyState, type DestroyReport } from './state.js';
export {
  toIpCommands, toIpBatch, batchesOf, toShellScript, type IpCommand, type IpBatch, type IpScript, type IpScriptOptions,
} from './ip-script.js';
