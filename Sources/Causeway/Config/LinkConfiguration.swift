/// Everything one link needs: which topics of which source cluster to mirror, offset for
/// offset, onto which destination clusters, and how.
///
/// Usually read from a YAML file (``load(path:)``, ``init(yaml:)``; reference in
/// `Docs/configuration.md`, examples in `deploy/examples/`). Built in code, call
/// ``validate()`` before use; the YAML initialisers validate already.
///
/// ```yaml
/// name: orders
/// source:
///   bootstrap: onprem-1:9092,onprem-2:9092
/// destinations:
///   - name: cloud
///     bootstrap: cloud-1:9092
/// topics:
///   include:
///     - prefix: orders.
/// ```
///
/// One file describes one link; a daemon running several links reads several files. Keys to
/// come (failover settings, TLS and SASL under `security`, the topic-backed store) extend
/// these sections; unknown keys are an error today, so a file never silently means less than
/// it says.
public struct LinkConfiguration: Hashable, Sendable {
    /// Names the link in logs, metrics, client ids and the store: `[a-zA-Z0-9._-]+`, at most 200
    /// characters. Required.
    public var name: String
    /// The cluster mirrored from. Required.
    public var source: ClusterConfiguration
    /// The clusters mirrored to, at least one. Every destination receives every selected topic
    /// from one shared fetch of the source (fan-out).
    public var destinations: [DestinationConfiguration]
    /// Which source topics are mirrored. At least one include rule is required.
    public var topics: TopicSelection
    /// Where a new mirror starts. Default ``StartPosition/earliest``.
    public var startPosition: StartPosition
    /// Which topic configs are copied to mirror topics. Default ``ConfigSyncPolicy/defaultInclude``.
    public var configSync: ConfigSyncPolicy
    /// Which consumer groups' offsets are copied. Default none.
    public var groups: GroupSelection
    /// The checkpoint store. Default `./causeway-<name>.db`.
    public var store: StoreConfiguration
    /// Source fetch sizes and waits. Default Kafka's consumer defaults.
    public var fetch: FetchTuning
    /// Destination write pipelining and buffering.
    public var produce: ProduceTuning

    /// A configuration with every optional setting at its default. Call ``validate()`` before use.
    public init(
        name: String,
        source: ClusterConfiguration,
        destinations: [DestinationConfiguration],
        topics: TopicSelection,
        startPosition: StartPosition = .earliest,
        configSync: ConfigSyncPolicy = ConfigSyncPolicy(),
        groups: GroupSelection = GroupSelection(),
        store: StoreConfiguration? = nil,
        fetch: FetchTuning = FetchTuning(),
        produce: ProduceTuning = ProduceTuning()
    ) {
        self.name = name
        self.source = source
        self.destinations = destinations
        self.topics = topics
        self.startPosition = startPosition
        self.configSync = configSync
        self.groups = groups
        self.store = store ?? StoreConfiguration(path: StoreConfiguration.defaultPath(link: name))
        self.fetch = fetch
        self.produce = produce
    }
}
