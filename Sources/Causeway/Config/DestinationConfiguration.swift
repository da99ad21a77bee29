/// One cluster a link writes to, with the options that belong to it alone.
///
/// In YAML, an entry of `destinations:`; the cluster keys sit beside `name`:
/// ```yaml
/// destinations:
///   - name: dr-west
///     bootstrap: kafka-west-1:9092
/// ```
/// Topic names are never changed: a mirror has the source topic's name on every destination,
/// because offsets, consumer groups and clients move across unchanged.
public struct DestinationConfiguration: Hashable, Sendable {
    /// Names the destination in status, metrics, the checkpoint store and the failover receipt.
    /// Required, unique within the link, `[a-zA-Z0-9._-]+`. Renaming a destination makes the
    /// store forget its checkpoints (they are re-read from the destination's log ends, so
    /// nothing is copied twice, but its history is lost).
    public var name: String
    /// How to reach it.
    public var cluster: ClusterConfiguration

    public init(name: String, cluster: ClusterConfiguration) {
        self.name = name
        self.cluster = cluster
    }
}
