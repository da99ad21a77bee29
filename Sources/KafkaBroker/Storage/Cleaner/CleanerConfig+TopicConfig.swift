extension CleanerConfig {
    /// The compaction settings of a topic: its overrides over Kafka's defaults
    /// (``TopicConfigDefinition`` validated the values when they were set).
    public init(_ topicConfig: TopicConfig) {
        self.init()
        func long(_ name: String) -> Int64? { topicConfig.value(name).flatMap { Int64($0) } }
        if let value = long("delete.retention.ms") { deleteRetention = .milliseconds(max(0, value)) }
        if let value = long("min.compaction.lag.ms") { minCompactionLag = .milliseconds(max(0, value)) }
        if let value = long("max.compaction.lag.ms"), value < Int64.max { maxCompactionLag = .milliseconds(max(0, value)) }
        if let value = topicConfig.value("min.cleanable.dirty.ratio").flatMap(Double.init) {
            minCleanableDirtyRatio = value
        }
    }
}
