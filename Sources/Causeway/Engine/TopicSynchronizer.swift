import KafkaClient
import KafkaProtocol
import Logging

/// Keeps each mirror topic on a destination shaped like its source topic: created with
/// the same partition count, grown when the source grows, with the synced configs of
/// the link's policy and the settings a mirror requires (`MirrorTopicConfigs`).
///
/// Topic names are never changed: offsets and names both carry over, so consumers
/// move between clusters without translation.
struct TopicSynchronizer: Sendable {
    let configSync: ConfigSyncPolicy
    let source: KafkaClient
    let destination: KafkaClient
    let destinationName: String
    let logger: Logger

    /// A source topic as the link sees it.
    struct SourceTopic: Hashable, Sendable {
        var name: String
        var partitions: Int
    }

    /// The source topics the selection matches, with their partition counts.
    static func selectedTopics(on source: KafkaClient, selection: TopicSelection) async throws -> [SourceTopic] {
        let snapshot = try await source.refreshMetadata()
        return snapshot.topics.values
            .filter { $0.error == .none && !$0.isInternal && selection.matches($0.name) }
            .map { SourceTopic(name: $0.name, partitions: $0.partitions.count) }
            .sorted { $0.name < $1.name }
    }

    /// Creates the destination topic, or checks and repairs an existing one. Returns
    /// the destination's partition count.
    func ensureTopic(_ topic: SourceTopic) async throws -> Int {
        let snapshot = try await destination.refreshMetadata(topics: [topic.name])
        if let existing = snapshot.topics[topic.name], existing.error == .none {
            try await repairRequiredConfigs(topic.name)
            if existing.partitions.count < topic.partitions {
                logger.info("growing \(destinationName):\(topic.name) from \(existing.partitions.count) to \(topic.partitions) partitions")
                if let error = try await destination.createPartitions([topic.name: Int32(topic.partitions)])[topic.name] ?? nil {
                    throw error
                }
                return topic.partitions
            }
            if existing.partitions.count > topic.partitions {
                logger.warning(
                    "\(destinationName):\(topic.name) has \(existing.partitions.count) partitions, the source \(topic.partitions); the extra ones are not mirrored")
            }
            return existing.partitions.count
        }
        let synced = try await syncedSourceConfigs(topic.name)
        for required in [MirrorTopicConfigs.required, MirrorTopicConfigs.legacy] {
            let configs = synced.merging(required) { _, forced in forced }
            let result = try await destination.createTopics([NewTopic(name: topic.name, partitions: Int32(topic.partitions), configs: configs)])
            guard let error = result[topic.name] ?? nil else {
                logger.info("created \(destinationName):\(topic.name) with \(topic.partitions) partitions")
                return topic.partitions
            }
            if error.kind == .broker(.topicAlreadyExists) { return try await ensureTopic(topic) }
            // An older broker that does not know the KIP-937 timestamp bounds: try the legacy set.
            guard error.kind == .broker(.invalidConfig), required == MirrorTopicConfigs.required else { throw error }
            logger.notice("\(destinationName) refused the KIP-937 timestamp configs (\(error)); using message.timestamp.difference.max.ms")
        }
        throw KafkaClientError(.broker(.invalidConfig), message: "the destination accepts neither timestamp config set", topic: topic.name)
    }

    /// Copies the synced configs from the source topic where they differ, and puts back
    /// any required setting someone changed on the destination.
    func syncConfigs(_ topic: String) async throws {
        let wanted = try await syncedSourceConfigs(topic)
        let current = try await destination.describeTopicConfigs(topic)
        var changes: [String: String?] = [:]
        for name in configSync.syncedConfigs {
            let value = wanted[name]
            let existing = current[name]
            if let value, existing?.value != value {
                changes[name] = value
            } else if value == nil, existing?.isSet == true {
                changes[name] = .some(nil)  // back to the destination's default, like the source
            }
        }
        for (name, value) in MirrorTopicConfigs.violations(in: current.mapValues(\.value)) {
            changes[name] = value
        }
        guard !changes.isEmpty else { return }
        logger.info("syncing configs of \(destinationName):\(topic): \(changes.keys.sorted().joined(separator: ", "))")
        try await destination.alterTopicConfigs(topic, changes)
    }

    private func repairRequiredConfigs(_ topic: String) async throws {
        let current = try await destination.describeTopicConfigs(topic)
        let wrong = MirrorTopicConfigs.violations(in: current.mapValues(\.value))
        guard !wrong.isEmpty else { return }
        logger.warning("\(destinationName):\(topic) had \(wrong.keys.sorted().joined(separator: ", ")) set against mirroring; resetting")
        try await destination.alterTopicConfigs(topic, wrong.mapValues { $0 })
    }

    /// The source topic's configs that the policy syncs and that were set on the topic
    /// (defaults are left to the destination's own defaults).
    private func syncedSourceConfigs(_ topic: String) async throws -> [String: String] {
        let configs = try await source.describeTopicConfigs(topic)
        var synced: [String: String] = [:]
        for (name, entry) in configs where entry.isSet && configSync.syncs(name) {
            // A promote's write fence on the source (DR/Promote.swift) is not the topic's limit.
            if name == Promote.fenceConfig && entry.value == Promote.fenceValue { continue }
            if let value = entry.value { synced[name] = value }
        }
        return synced
    }
}
